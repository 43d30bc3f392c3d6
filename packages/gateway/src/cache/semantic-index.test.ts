import { describe, expect, it } from "vitest";
import { unitVector } from "./embedding-vector.ts";
import { type IndexedVector, SemanticIndex } from "./semantic-index.ts";

const vector = (...values: number[]) => unitVector(values) as Float32Array;
const entry = (cacheKey: string, values: number[], createdAt = 1, bucket = "scope"): IndexedVector => ({
  cacheKey,
  bucket,
  vector: vector(...values),
  createdAt,
  expiresAt: 1_000,
});

/** An index over rows held in an array, the way the cache gives it rows from the store. */
function indexOver(
  rows: Map<string, IndexedVector[]>,
  options: { maxVectors?: number; maxWorkspaces?: number } = {},
) {
  const loads: string[] = [];
  let clock = 10;
  const index = new SemanticIndex({
    now: () => clock,
    maxVectorsPerWorkspace: options.maxVectors ?? 100,
    maxWorkspaces: options.maxWorkspaces ?? 4,
    refreshMs: 50,
    load: async (workspaceId, limit) => {
      loads.push(workspaceId);
      return [...(rows.get(workspaceId) ?? [])].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    },
  });
  return { index, loads, advance: (ms: number) => (clock += ms) };
}

describe("SemanticIndex", () => {
  it("finds the most similar vectors of a bucket at or above the threshold, best first", async () => {
    const rows = new Map([
      [
        "ws",
        [
          entry("near", [1, 0.05]),
          entry("nearer", [1, 0.01]),
          entry("far", [0, 1]),
          entry("other", [1, 0], 1, "x"),
        ],
      ],
    ]);
    const { index } = indexOver(rows);
    const matches = await index.search("ws", "scope", vector(1, 0), 0.99, 0);
    expect(matches.map((match) => match.cacheKey)).toEqual(["nearer", "near"]);
    expect(await index.search("ws", "scope", vector(1, 0, 0), 0.5, 0)).toEqual([]);
    expect(await index.search("ws", "missing", vector(1, 0), 0.5, 0)).toEqual([]);
  });

  it("holds at most maxVectorsPerWorkspace vectors, dropping the oldest", async () => {
    const rows = new Map([["ws", [entry("old", [1, 0], 1), entry("mid", [1, 0], 2)]]]);
    const { index } = indexOver(rows, { maxVectors: 2 });
    expect(
      (await index.search("ws", "scope", vector(1, 0), 0.9, 0)).map((match) => match.cacheKey).sort(),
    ).toEqual(["mid", "old"]);
    index.add("ws", entry("new", [1, 0], 3));
    const keys = (await index.search("ws", "scope", vector(1, 0), 0.9, 0))
      .map((match) => match.cacheKey)
      .sort();
    expect(keys).toEqual(["mid", "new"]);
  });

  it("loads each workspace once, reloads after refreshMs, and drops the least recently used beyond maxWorkspaces", async () => {
    const rows = new Map([
      ["a", [entry("a1", [1, 0])]],
      ["b", [entry("b1", [1, 0])]],
      ["c", [entry("c1", [1, 0])]],
    ]);
    const { index, loads, advance } = indexOver(rows, { maxWorkspaces: 2 });
    await Promise.all([
      index.search("a", "scope", vector(1, 0), 0.9, 0),
      index.search("a", "scope", vector(1, 0), 0.9, 0),
    ]);
    await index.search("b", "scope", vector(1, 0), 0.9, 0);
    await index.search("a", "scope", vector(1, 0), 0.9, 0);
    expect(loads).toEqual(["a", "b"]);
    await index.search("c", "scope", vector(1, 0), 0.9, 0);
    await index.search("a", "scope", vector(1, 0), 0.9, 0);
    await index.search("b", "scope", vector(1, 0), 0.9, 0);
    expect(loads).toEqual(["a", "b", "c", "b"]);
    advance(50);
    await index.search("b", "scope", vector(1, 0), 0.9, 0);
    expect(loads).toEqual(["a", "b", "c", "b", "b"]);
  });

  it("skips expired and too-old vectors and ignores adds for workspaces it does not hold", async () => {
    const rows = new Map([
      ["ws", [{ ...entry("expired", [1, 0]), expiresAt: 10 }, entry("young", [1, 0], 5)]],
    ]);
    const { index } = indexOver(rows);
    index.add("elsewhere", entry("ignored", [1, 0]));
    expect((await index.search("ws", "scope", vector(1, 0), 0.9, 0)).map((match) => match.cacheKey)).toEqual([
      "young",
    ]);
    expect(await index.search("ws", "scope", vector(1, 0), 0.9, 5)).toEqual([]);
    expect(await index.search("elsewhere", "scope", vector(1, 0), 0.9, 0)).toEqual([]);
  });
});
