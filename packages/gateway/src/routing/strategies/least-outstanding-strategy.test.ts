import { describe, expect, it } from "vitest";
import { DeploymentHealthTracker } from "../deployment-health.ts";
import { leastOutstandingStrategy } from "./least-outstanding-strategy.ts";
import { chat, deployment, firstChoiceShares, seededRandom } from "./strategy-testing.ts";

describe("least-outstanding strategy", () => {
  const candidates = [deployment("a"), deployment("b"), deployment("c")];
  const [a, b, c] = candidates as [
    ReturnType<typeof deployment>,
    ReturnType<typeof deployment>,
    ReturnType<typeof deployment>,
  ];

  it("orders by the requests in flight, as the health tracker counts them", () => {
    const health = new DeploymentHealthTracker();
    const input = { request: chat("sys"), random: seededRandom(3), load: health.load.bind(health) };
    const running = [health.begin(a), health.begin(a), health.begin(a), health.begin(b)];
    expect(leastOutstandingStrategy.order(candidates, input).map((item) => item.id)).toEqual(["c", "b", "a"]);
    running.push(health.begin(c), health.begin(c));
    expect(leastOutstandingStrategy.order(candidates, input).map((item) => item.id)).toEqual(["b", "c", "a"]);
    for (const attempt of running) attempt?.succeeded({});
    expect(health.load(a).inFlight).toBe(0);
  });

  it("spreads requests that arrive while others are in flight", () => {
    const health = new DeploymentHealthTracker();
    const input = { request: chat("sys"), random: seededRandom(5), load: health.load.bind(health) };
    const placed = new Map<string, number>();
    for (let request = 0; request < 30; request++) {
      const [first] = leastOutstandingStrategy.order(candidates, input);
      if (!first) throw new Error("no order");
      health.begin(first);
      placed.set(first.id, (placed.get(first.id) ?? 0) + 1);
    }
    expect([...placed.values()]).toEqual([10, 10, 10]);
  });

  it("breaks ties at random", () => {
    const health = new DeploymentHealthTracker();
    const input = { request: chat("sys"), random: seededRandom(9), load: health.load.bind(health) };
    const shares = firstChoiceShares(9_000, () => leastOutstandingStrategy.order(candidates, input));
    for (const id of ["a", "b", "c"]) expect(shares.get(id)).toBeCloseTo(1 / 3, 1);
  });
});
