import { describe, expect, it } from "vitest";
import { chat, deployment, firstChoiceShares, inputWith, seededRandom } from "./strategy-testing.ts";
import { weightedStrategy } from "./weighted-strategy.ts";

describe("weighted strategy", () => {
  const candidates = [
    deployment("a", { weight: 1 }),
    deployment("b", { weight: 2 }),
    deployment("c", { weight: 7 }),
  ];

  it("puts each deployment first in proportion to its weight", () => {
    const input = inputWith(chat("sys"), {}, seededRandom(42));
    const shares = firstChoiceShares(20_000, () => weightedStrategy.order(candidates, input));
    expect(shares.get("a")).toBeCloseTo(0.1, 1);
    expect(shares.get("b")).toBeCloseTo(0.2, 1);
    expect(shares.get("c")).toBeCloseTo(0.7, 1);
    expect(Math.abs((shares.get("c") ?? 0) - 0.7)).toBeLessThan(0.02);
  });

  it("orders every candidate exactly once, fallbacks by weight too", () => {
    const input = inputWith(chat("sys"), {}, seededRandom(7));
    let secondIsB = 0;
    let firstIsC = 0;
    for (let round = 0; round < 5_000; round++) {
      const order = weightedStrategy.order(candidates, input).map((item) => item.id);
      expect([...order].sort()).toEqual(["a", "b", "c"]);
      if (order[0] === "c") {
        firstIsC++;
        if (order[1] === "b") secondIsB++;
      }
    }
    // Given c first, b (weight 2) is second two times in three against a (weight 1).
    expect(secondIsB / firstIsC).toBeGreaterThan(0.62);
    expect(secondIsB / firstIsC).toBeLessThan(0.71);
  });

  it("orders a single candidate as itself", () => {
    const only = deployment("only");
    expect(weightedStrategy.order([only], inputWith(chat("sys")))).toEqual([only]);
  });
});
