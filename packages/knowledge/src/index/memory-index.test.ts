import { ensureDefaultWorkspaces, getWorkspaceBySlug, newId, openStore } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { createBuiltinEmbedder } from "../embedders/builtin-embedder.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import type { NewChunk } from "./chunk-index.ts";
import { quantizeMatrix } from "./int8-dot-products.ts";
import { createMemoryIndex } from "./memory-index.ts";
import { createSqliteChunkIndex } from "./sqlite-chunk-index.ts";
import { buildTextPostings } from "./text-postings.ts";

const topics = [
  "wing flutter",
  "boundary layer",
  "shock wave",
  "heat transfer",
  "jet noise",
  "panel buckling",
];

describe("int8 dot products", () => {
  it("approximates float dot products within the quantisation error", () => {
    const rows = 300;
    const dimensions = 40; // not a multiple of 16: rows are padded
    const matrix = Float32Array.from({ length: rows * dimensions }, (_, index) => Math.sin(index * 1.7));
    const quantized = quantizeMatrix(matrix, rows, dimensions);
    expect(quantized).toBeDefined();
    const query = Float32Array.from({ length: dimensions }, (_, index) => Math.cos(index * 0.3));
    const scores = quantized?.scores(query) as Float32Array;
    for (const row of [0, 1, 150, rows - 1]) {
      let exact = 0;
      for (let column = 0; column < dimensions; column++)
        exact += (matrix[row * dimensions + column] as number) * (query[column] as number);
      expect(Math.abs((scores[row] as number) - exact)).toBeLessThan(0.1);
    }
  });
});

describe("text postings", () => {
  it("ranks by BM25: rarer and repeated terms first, filtered rows left out", () => {
    const postings = buildTextPostings([
      "the wing and the flutter of the wing",
      "wing",
      "boundary layer on a flat plate",
      "flutter of a panel",
      "a wing in the boundary layer",
    ]);
    const hits = postings.search("wing flutter", 10);
    expect(hits.map((hit) => hit.row)).toEqual([0, 3, 1, 4]);
    expect(postings.search("wing flutter", 10, (row) => row !== 0).map((hit) => hit.row)).toEqual([3, 1, 4]);
    expect(postings.search("the of", 10)).toEqual([]);
    // Scores reset between searches.
    expect(postings.search("wing flutter", 10)).toEqual(hits);
  });

  it("after rows are removed and appended, scores as a fresh build of the live rows (N, lengths, df)", () => {
    const texts = ["the wing and the flutter of the wing", "wing", "boundary layer on a flat plate"];
    const changed = buildTextPostings([...texts, "flutter of a panel", "a wing in the boundary layer"]);
    changed.remove([1, 3]);
    changed.append(["panel flutter and wing flutter", "wing"]);
    expect(changed).toMatchObject({ rows: 7, removed: 2 });
    // Held rows 0 2 4 5 6 are the fresh build's 0 1 2 3 4; the same text twice ties, broken by key.
    const keys = [10, 11, 12, 13, 14, 15, 16];
    const fresh = buildTextPostings([
      texts[0],
      texts[2],
      "a wing in the boundary layer",
      "panel flutter and wing flutter",
      "wing",
    ] as string[]);
    const freshKeys = [10, 12, 14, 15, 16];
    for (const query of ["wing flutter", "boundary panel", "wing"]) {
      const want = fresh.search(query, 3, undefined, (row) => freshKeys[row] as number);
      const got = changed.search(query, 3, undefined, (row) => keys[row] as number);
      expect(got.map((hit) => ({ key: keys[hit.row], score: hit.score }))).toEqual(
        want.map((hit) => ({ key: freshKeys[hit.row], score: hit.score })),
      );
    }
  });
});

describe("memory index", () => {
  it("int8 candidates re-ranked exactly return the exact scan's top hits, and reload after a change", async () => {
    const database = freshStoreOptions("sqlite");
    const store = await openStore(database.options);
    try {
      await ensureDefaultWorkspaces(store.db);
      const workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
      const base = await createKnowledgeBase(store.db, workspaceId, { name: "memory" });
      const documentId = newId("doc");
      const now = new Date().toISOString();
      await store.db
        .insertInto("knowledge_documents")
        .values({
          ...{
            id: documentId,
            knowledge_base_id: base.id,
            workspace_id: workspaceId,
            name: "d",
            source: "text",
          },
          ...{ source_uri: null, mime_type: "text/plain", size_bytes: 0, content_hash: "x", status: "ready" },
          ...{ error: null, version: 1, progress: "{}", metadata: "{}", parsed_text: null, chunk_count: 0 },
          ...{ changed_at: now, indexed_at: now, created_at: now, updated_at: now },
        })
        .execute();
      const embedder = createBuiltinEmbedder({ dimensions: 64 });
      const index = await createSqliteChunkIndex(store.db);
      const chunk = (position: number, content: string): NewChunk => ({
        ...{ id: newId("chunk"), knowledgeBaseId: base.id, workspaceId, documentId, position, content },
        ...{ contentHash: String(position), parentContent: null, page: null, metadata: {} },
        embedding: embedder.embed(content),
      });
      const chunks = Array.from({ length: 600 }, (_, position) =>
        chunk(
          position,
          `${topics[position % 6]} ${topics[(position * 7) % 6]} case ${position} number ${position % 13}`,
        ),
      );
      await store.db.transaction().execute((transaction) => index.insert(transaction, chunks));
      const approximate = createMemoryIndex(store.db, { quantizeFrom: 0 });
      const exact = createMemoryIndex(store.db, { quantizeFrom: Number.POSITIVE_INFINITY });
      const scope = { knowledgeBaseId: base.id };
      for (const query of ["shock wave case", "heat transfer jet noise", "panel number 7"]) {
        const vector = embedder.embed(query);
        const want = await exact.searchVector(scope, vector, 10);
        expect(await approximate.searchVector(scope, vector, 10)).toEqual(want);
      }
      // A new chunk is seen on the next search (the version moved), by vectors and by text.
      const memory = createMemoryIndex(store.db, { text: true, quantizeFrom: 0 });
      expect(await memory.searchText(scope, "intake buzz", 5)).toEqual([]);
      const added = chunk(600, "supersonic intake buzz");
      await store.db.transaction().execute((transaction) => index.insert(transaction, [added]));
      const text = await memory.searchText(scope, "intake buzz", 5);
      expect(text).toHaveLength(1);
      const vector = await memory.searchVector(scope, embedder.embed("supersonic intake buzz"), 1);
      expect(vector?.[0]?.key).toBe(text?.[0]?.key);
      // A large knowledge base (here: from 1 chunk) loads in the background: the database answers
      // (undefined) until the copy is current, or until warm() has waited for it.
      const background = createMemoryIndex(store.db, { text: true, backgroundLoadFrom: 1 });
      expect(await background.searchText(scope, "intake buzz", 5)).toBeUndefined();
      await background.warm(base.id);
      expect(await background.searchText(scope, "intake buzz", 5)).toEqual(text);
      // Filters by document.
      expect(await memory.searchText({ ...scope, documentIds: ["doc_other"] }, "intake buzz", 5)).toEqual([]);
      await index.close();
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
