import { NexusError } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { assertForest, nearestKeptAncestors } from "./tree-links.ts";

const links = (entries: Array<[string, string | null]>) => new Map(entries);

describe("tree links of import files", () => {
  it("hangs kept nodes from their nearest kept ancestor", () => {
    // root(skip) → sys(skip) → u1 → tool(skip) → a1 ; sys → u2
    const parents = links([
      ["root", null],
      ["sys", "root"],
      ["u1", "sys"],
      ["tool", "u1"],
      ["a1", "tool"],
      ["u2", "sys"],
    ]);
    const kept = new Set(["u1", "a1", "u2"]);
    const result = nearestKeptAncestors(parents, (key) => kept.has(key), "file");
    expect(result.get("u1")).toBeNull();
    expect(result.get("u2")).toBeNull();
    expect(result.get("a1")).toBe("u1");
  });

  it("rejects loops, self-parents and missing parents with a 400", () => {
    for (const parents of [
      links([
        ["a", "b"],
        ["b", "a"],
      ]),
      links([["a", "a"]]),
      links([
        ["root", null],
        ["a", "c"],
        ["b", "a"],
        ["c", "b"],
      ]),
    ]) {
      expect(() => assertForest(parents, "file")).toThrow(/loop/);
    }
    expect(() => assertForest(links([["a", "gone"]]), "file")).toThrow(/'a' has parent 'gone'/);
    try {
      nearestKeptAncestors(links([["a", "a"]]), () => true, "file");
    } catch (error) {
      expect(error).toBeInstanceOf(NexusError);
      expect((error as NexusError).status).toBe(400);
    }
  });

  it("handles a long chain in one pass", () => {
    const parents = new Map<string, string | null>([["n0", null]]);
    for (let index = 1; index < 100_000; index++) parents.set(`n${index}`, `n${index - 1}`);
    // Counted rather than timed (a loaded machine makes any time limit flaky): one pass asks
    // about each node a bounded number of times; walking each path again would ask ~n²/2 times.
    let asked = 0;
    const result = nearestKeptAncestors(
      parents,
      (key) => {
        asked += 1;
        return key === "n0";
      },
      "file",
    );
    expect(result.get("n99999")).toBe("n0");
    expect(asked).toBeLessThan(3 * parents.size);
  });
});
