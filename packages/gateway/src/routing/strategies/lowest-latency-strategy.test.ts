import { describe, expect, it } from "vitest";
import { explorationRate, lowestLatencyStrategy } from "./lowest-latency-strategy.ts";
import { chat, deployment, firstChoiceShares, inputWith, seededRandom } from "./strategy-testing.ts";

describe("lowest-latency strategy", () => {
  const candidates = [deployment("slow"), deployment("fast"), deployment("middle")];

  it("prefers the faster replica, exploring the others now and then", () => {
    const input = inputWith(
      chat("sys"),
      { slow: { latencyMs: 900 }, fast: { latencyMs: 40 }, middle: { latencyMs: 300 } },
      seededRandom(11),
    );
    const shares = firstChoiceShares(10_000, () => lowestLatencyStrategy.order(candidates, input));
    expect(shares.get("fast")).toBeCloseTo(1 - explorationRate, 1);
    // Exploration keeps measuring the others, so a recovered one can win again.
    expect(shares.get("slow")).toBeGreaterThan(0.02);
    expect(shares.get("middle")).toBeGreaterThan(0.02);
    expect(
      lowestLatencyStrategy
        .order(
          candidates,
          inputWith(
            chat("sys"),
            {
              slow: { latencyMs: 900 },
              fast: { latencyMs: 40 },
              middle: { latencyMs: 300 },
            },
            () => 0.99,
          ),
        )
        .map((item) => item.id),
    ).toEqual(["fast", "middle", "slow"]);
  });

  it("ranks streams by time to first token and whole answers by latency", () => {
    const loads = {
      slow: { latencyMs: 100, ttftMs: 90 },
      fast: { latencyMs: 500, ttftMs: 20 },
      middle: { latencyMs: 300, ttftMs: 50 },
    };
    const noExploration = () => 0.99;
    const streamed = lowestLatencyStrategy.order(
      candidates,
      inputWith(chat("sys", "hi", true), loads, noExploration),
    );
    const whole = lowestLatencyStrategy.order(
      candidates,
      inputWith(chat("sys", "hi", false), loads, noExploration),
    );
    expect(streamed.map((item) => item.id)).toEqual(["fast", "middle", "slow"]);
    expect(whole.map((item) => item.id)).toEqual(["slow", "middle", "fast"]);
  });

  it("tries an unmeasured deployment first so it gets measured", () => {
    const input = inputWith(chat("sys"), { slow: { latencyMs: 900 }, fast: { latencyMs: 40 } }, () => 0.99);
    expect(lowestLatencyStrategy.order(candidates, input)[0]?.id).toBe("middle");
  });
});
