import { describe, expect, it } from "vitest";
import { reciprocalRankFusion } from "./reciprocal-rank-fusion.ts";

describe("reciprocalRankFusion", () => {
  it("ranks an item high in both lists above items high in one", () => {
    const fused = reciprocalRankFusion([
      ["a", "b", "c"],
      ["b", "d", "a"],
    ]);
    const order = [...fused].sort((x, y) => y[1] - x[1]).map(([key]) => key);
    expect(order).toEqual(["b", "a", "d", "c"]);
    expect(fused.get("b")).toBeLessThan(1);
  });

  it("gives 1 to an item first in every list", () => {
    expect(reciprocalRankFusion([["x"], ["x"]]).get("x")).toBeCloseTo(1);
  });
});
