import { ensureDefaultWorkspaces, getWorkspaceBySlug, newId, openStore, type Store } from "@nexus/core";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { createBuiltinEmbedder } from "../embedders/builtin-embedder.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import type { ChunkIndex, NewChunk } from "./chunk-index.ts";
import { createMemoryIndex } from "./memory-index.ts";
import { createPostgresChunkIndex } from "./postgres-chunk-index.ts";
import { createSqliteChunkIndex } from "./sqlite-chunk-index.ts";

const topics = [
  "wing flutter",
  "boundary layer",
  "shock wave",
  "heat transfer",
  "jet noise",
  "panel buckling",
];
const queries = [
  "shock wave case",
  "heat transfer jet noise",
  "panel number 7",
  "intake buzz flutter",
  "layer",
];
const embedder = createBuiltinEmbedder({ dimensions: 64 });

describe.each(["sqlite", "postgres"] as const)("memory index catch-up on %s", (kind) => {
  const database = freshStoreOptions(kind);
  let store: Store;
  let index: ChunkIndex;
  let workspaceId: string;
  let baseId: string;

  async function addDocument(contents: string[]) {
    const documentId = newId("doc");
    const now = new Date().toISOString();
    const chunks = contents.map(
      (content, position): NewChunk => ({
        ...{ id: newId("chunk"), knowledgeBaseId: baseId, workspaceId, documentId, position, content },
        ...{ contentHash: `${documentId}:${position}`, parentContent: null, page: null, metadata: {} },
        embedding: embedder.embed(content),
      }),
    );
    await store.db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("knowledge_documents")
        .values({
          ...{
            id: documentId,
            knowledge_base_id: baseId,
            workspace_id: workspaceId,
            name: "d",
            source: "text",
          },
          ...{ source_uri: null, mime_type: "text/plain", size_bytes: 0, content_hash: "x", status: "ready" },
          ...{ error: null, version: 1, progress: "{}", metadata: "{}", parsed_text: null, chunk_count: 0 },
          ...{ changed_at: now, indexed_at: now, created_at: now, updated_at: now },
        })
        .execute();
      await index.insert(transaction, chunks);
    });
    return { documentId, chunks };
  }
  const keysOf = async (documentId: string) =>
    (
      await store.db
        .selectFrom("knowledge_chunks")
        .select("key")
        .where("document_id", "=", documentId)
        .orderBy("key")
        .execute()
    ).map((row) => Number(row.key));

  /** Every search of `memory` equals that of a copy loaded whole now (hits, scores, order). */
  async function expectFresh(
    memory: ReturnType<typeof createMemoryIndex>,
    quantizeFrom: number,
    documentIds: string[],
  ) {
    const fresh = createMemoryIndex(store.db, { text: true, quantizeFrom });
    for (const scope of [{ knowledgeBaseId: baseId }, { knowledgeBaseId: baseId, documentIds }]) {
      for (const query of queries) {
        const vector = embedder.embed(query);
        const want = await fresh.searchVector(scope, vector, 12);
        expect(want?.length).toBeGreaterThan(0);
        expect(await memory.searchVector(scope, vector, 12)).toEqual(want);
        expect(await memory.searchText(scope, query, 12)).toEqual(await fresh.searchText(scope, query, 12));
      }
    }
    expect(fresh.counts.fullLoads).toBe(1);
  }

  beforeAll(async () => {
    store = await openStore(database.options);
    await ensureDefaultWorkspaces(store.db);
    workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
    baseId = (await createKnowledgeBase(store.db, workspaceId, { name: "catch-up" })).id;
    index =
      kind === "sqlite"
        ? await createSqliteChunkIndex(store.db)
        : await createPostgresChunkIndex(store.db, { pgvector: false });
    for (let document = 0; document < 8; document++)
      await addDocument(
        Array.from({ length: 40 }, (_, offset) => {
          const position = document * 40 + offset;
          return `${topics[position % 6]} ${topics[(position * 7) % 6]} case ${position} number ${position % 13}`;
        }),
      );
  });
  afterAll(async () => {
    await index?.close();
    await store?.close();
    await database.drop();
  });

  it("applies adds, edits, re-embeddings and removals from the log, equal to a full load, on every replica", async () => {
    // Two replicas: `live` searched after every change, `behind` only at the end. Each in two
    // settings: int8 candidates + exact re-rank, and the exact scan.
    const live = [0, Number.POSITIVE_INFINITY].map((quantizeFrom) => ({
      quantizeFrom,
      memory: createMemoryIndex(store.db, { text: true, quantizeFrom }),
    }));
    const behind = createMemoryIndex(store.db, { text: true, quantizeFrom: 0 });
    for (const { memory } of live) await memory.warm(baseId);
    await behind.warm(baseId);
    const check = async (documentIds: string[], catchUps: number) => {
      for (const { memory, quantizeFrom } of live) {
        await expectFresh(memory, quantizeFrom, documentIds);
        expect(memory.counts).toEqual({ fullLoads: 1, catchUps });
      }
    };

    // Added: a one-page document, one chunk the same text as an older one (equal scores: ties by key).
    const added = await addDocument([
      "supersonic intake buzz",
      "case 3 number 3 shock wave",
      "wing flutter case 12",
    ]);
    await check([added.documentId], 1);
    // Edited (as updateChunk: removed and written again in one transaction).
    const [first] = await keysOf(added.documentId);
    await store.db.transaction().execute(async (transaction) => {
      await index.remove(transaction, baseId, [first as number]);
      await index.insert(transaction, [
        {
          ...(added.chunks[0] as NewChunk),
          content: "intake buzz and flutter",
          embedding: embedder.embed("intake buzz and flutter"),
        },
      ]);
    });
    await check([added.documentId], 2);
    // Re-processed (every chunk of the document removed and written again, as process-document does).
    const again = await keysOf(added.documentId);
    await store.db.transaction().execute(async (transaction) => {
      await index.remove(transaction, baseId, again);
      await index.insert(transaction, added.chunks);
    });
    await check([added.documentId], 3);
    // Removed: an old document (BM25's N, average length and document frequencies move).
    const [oldest] = await store.db
      .selectFrom("knowledge_documents")
      .select("id")
      .where("knowledge_base_id", "=", baseId)
      .orderBy("created_at")
      .execute();
    const oldKeys = await keysOf(oldest?.id as string);
    await store.db
      .transaction()
      .execute((transaction) => index.remove(transaction, baseId, oldKeys.slice(0, 12)));
    await check([added.documentId, oldest?.id as string], 4);

    // The other replica, four versions behind, catches up in one read of the log.
    await expectFresh(behind, 0, [added.documentId]);
    expect(behind.counts).toEqual({ fullLoads: 1, catchUps: 1 });
  });

  it("once over a quarter of the rows held are removed ones, loads a compact copy in the background", async () => {
    const memory = createMemoryIndex(store.db, { text: true, quantizeFrom: 0 });
    await memory.warm(baseId);
    const documents = await store.db
      .selectFrom("knowledge_documents")
      .select("id")
      .where("knowledge_base_id", "=", baseId)
      .orderBy("created_at")
      .execute();
    const removed = (await Promise.all(documents.slice(1, 4).map((row) => keysOf(row.id)))).flat();
    await store.db.transaction().execute((transaction) => index.remove(transaction, baseId, removed));
    // Right at once (the caught-up copy answers the first search; the compact one, ready in
    // milliseconds at this size, may answer the later ones), and the same from the compact copy.
    const kept = [documents[0]?.id as string, documents[5]?.id as string];
    await expectFresh(memory, 0, kept);
    expect(memory.counts.catchUps).toBe(1);
    await expect.poll(() => memory.counts.fullLoads).toBe(2);
    await expectFresh(memory, 0, kept);
    const next = await addDocument(["shock wave after compaction"]);
    await expectFresh(memory, 0, [next.documentId]);
    expect(memory.counts).toEqual({ fullLoads: 2, catchUps: 2 });
  });

  it("loads whole when the log cannot say: a gap, a version pruned, vectors cleared", async () => {
    const memory = createMemoryIndex(store.db, { text: true, quantizeFrom: 0 });
    await memory.warm(baseId);
    // A version bumped without its log row (as a process from before the log would).
    await sql`update knowledge_bases set index_version = index_version + 1 where id = ${baseId}`.execute(
      store.db,
    );
    const gap = await addDocument(["boundary layer transition gap"]);
    await expectFresh(memory, 0, [gap.documentId]);
    expect(memory.counts).toEqual({ fullLoads: 2, catchUps: 0 });

    // Far behind: the rows it needs were pruned (every 64 versions, those over 1,024 behind go).
    await sql`update knowledge_bases set index_version = 2047 where id = ${baseId}`.execute(store.db);
    const pruned = await addDocument(["panel buckling pruned"]);
    const logged = await sql<{ version: number }>`select version from knowledge_index_changes
      where knowledge_base_id = ${baseId}`.execute(store.db);
    expect(logged.rows.map((row) => Number(row.version))).toEqual([2048]);
    await expectFresh(memory, 0, [pruned.documentId]);
    expect(memory.counts).toEqual({ fullLoads: 3, catchUps: 0 });
    // Caught up again from there.
    const next = await addDocument(["jet noise after the prune"]);
    await expectFresh(memory, 0, [next.documentId]);
    expect(memory.counts).toEqual({ fullLoads: 3, catchUps: 1 });

    // Vectors cleared (a new embedder): every chunk changed, so a full load.
    await store.db.transaction().execute((transaction) => index.clearVectors(transaction, baseId));
    const vector = embedder.embed("jet noise");
    expect(await memory.searchVector({ knowledgeBaseId: baseId }, vector, 5)).toEqual([]);
    expect(memory.counts).toEqual({ fullLoads: 4, catchUps: 1 });
  });
});
