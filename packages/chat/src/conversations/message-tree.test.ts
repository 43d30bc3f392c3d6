import { describe, expect, it } from "vitest";
import { branchOf, buildTree, latestLeafUnder, siblingsOf } from "./message-tree.ts";

const node = (id: string, parent: string | null, at: number) => ({
  id,
  parent_id: parent,
  created_at: new Date(1_700_000_000_000 + at * 1000).toISOString(),
});

// u1 → a1 → u2 → a2
//         ↘ a1' (regenerated) → u3
const tree = buildTree([
  node("u1", null, 1),
  node("a1", "u1", 2),
  node("u2", "a1", 3),
  node("a2", "u2", 4),
  node("a1b", "u1", 5),
  node("u3", "a1b", 6),
]);

describe("message tree", () => {
  it("walks a branch from its leaf to the root", () => {
    expect(branchOf(tree, "a2").map((message) => message.id)).toEqual(["u1", "a1", "u2", "a2"]);
    expect(branchOf(tree, "u3").map((message) => message.id)).toEqual(["u1", "a1b", "u3"]);
    expect(branchOf(tree, "nope")).toEqual([]);
    expect(branchOf(tree, null)).toEqual([]);
  });

  it("places a message among its siblings, oldest first", () => {
    expect(siblingsOf(tree, "a1b")).toEqual({ ids: ["a1", "a1b"], index: 1 });
    expect(siblingsOf(tree, "u1")).toEqual({ ids: ["u1"], index: 0 });
  });

  it("returns to a branch's own continuation", () => {
    expect(latestLeafUnder(tree, "a1")).toBe("a2");
    expect(latestLeafUnder(tree, "a1b")).toBe("u3");
    expect(latestLeafUnder(tree, "u3")).toBe("u3");
  });

  it("survives cycles in corrupted rows", () => {
    const cyclic = buildTree([node("x", "y", 1), node("y", "x", 2)]);
    expect(branchOf(cyclic, "x").length).toBeLessThanOrEqual(2);
    expect(latestLeafUnder(cyclic, "x")).toEqual(expect.any(String));
  });
});
