import {
  type Database,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Store,
} from "@nexus/core";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import { startPgliteServer } from "../testing/pglite-server.ts";
import type { ChunkIndex, NewChunk } from "./chunk-index.ts";
import { createPostgresChunkIndex } from "./postgres-chunk-index.ts";

/** A seeded generator, so a failure replays. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function unitVector(next: () => number, dimensions: number): Float32Array {
  const vector = Float32Array.from({ length: dimensions }, next);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

// PostgreSQL 18 + pgvector 0.8.7 in PGlite: the same database, searched by pgvector's HNSW and by
// the exact scan in this process.
describe("pgvector search (PGlite)", { timeout: 60_000 }, () => {
  let server: Awaited<ReturnType<typeof startPgliteServer>>;
  let store: Store;
  let db: Kysely<Database>;
  let pgvector: ChunkIndex;
  let exact: ChunkIndex;
  const bases: Record<"large" | "small" | "short", string> = { large: "", small: "", short: "" };
  const documents: Record<string, string[]> = {};
  const next = random(7);

  async function addChunks(index: ChunkIndex, base: string, count: number, dimensions: number) {
    const workspaceId = (await getWorkspaceBySlug(db, "ai-workflow")).id;
    const now = new Date().toISOString();
    const ids = [`${base}_a`, `${base}_b`];
    await db
      .insertInto("knowledge_documents")
      .values(
        ids.map((id) => ({
          id,
          knowledge_base_id: base,
          workspace_id: workspaceId,
          name: `${id}.txt`,
          source: "text",
          mime_type: "text/plain",
          content_hash: id,
          status: "ready",
          version: 1,
          progress: "{}",
          chunk_count: 0,
          size_bytes: 0,
          metadata: "{}",
          changed_at: now,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    documents[base] = ids;
    const chunks: NewChunk[] = Array.from({ length: count }, (_, position) => ({
      id: `${base}_chunk_${position}`,
      knowledgeBaseId: base,
      workspaceId,
      documentId: ids[position % 2] as string,
      position,
      content: `chunk ${position}`,
      contentHash: `${base}_${position}`,
      parentContent: null,
      page: null,
      metadata: {},
      embedding: unitVector(next, dimensions),
    }));
    await db.transaction().execute((transaction) => index.insert(transaction, chunks));
  }

  beforeAll(async () => {
    server = await startPgliteServer();
    store = await openStore({ kind: "postgres", url: server.url, poolSize: 1 });
    db = store.db;
    await ensureDefaultWorkspaces(db);
    const workspaceId = (await getWorkspaceBySlug(db, "ai-workflow")).id;
    for (const name of ["large", "small", "short"] as const)
      bases[name] = (await createKnowledgeBase(db, workspaceId, { name })).id;
    pgvector = await createPostgresChunkIndex(db);
    exact = await createPostgresChunkIndex(db, { pgvector: false });
    await addChunks(pgvector, bases.large, 1500, 48);
    await addChunks(pgvector, bases.small, 12, 48);
    // Written while pgvector was not in use: the next start fills its rows in.
    await addChunks(exact, bases.short, 30, 16);
    pgvector = await createPostgresChunkIndex(db);
    await sql`analyze knowledge_chunk_vectors`.execute(db);
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it("uses pgvector with one HNSW index per embedding length", async () => {
    expect(pgvector.vectorBackend).toBe("pgvector");
    expect(pgvector.vectorDetail).toMatch(/^pgvector 0\.8\.\d+: HNSW/);
    expect(exact.vectorBackend).toBe("exact-scan");
    const { rows } = await sql<{
      indexname: string;
      indexdef: string;
    }>`select indexname, indexdef from pg_indexes
      where tablename = 'knowledge_chunk_vectors' and indexdef like '%hnsw%' order by indexname`.execute(db);
    expect(rows.map((row) => row.indexname)).toEqual([
      "knowledge_chunk_vectors_hnsw_16",
      "knowledge_chunk_vectors_hnsw_48",
    ]);
    expect(rows[1]?.indexdef).toMatch(/vector\(48\).*vector_cosine_ops.*WHERE \(dimensions = 48\)/);
    const { rows: counts } = await sql<{ count: number }>`select count(*)::int as count
      from knowledge_chunk_vectors where knowledge_base_id = ${bases.short}`.execute(db);
    expect(counts[0]?.count).toBe(30);
  });

  it("plans the search as an HNSW index scan", async () => {
    const query = `[${Array.from(unitVector(next, 48)).join(",")}]`;
    const plan = await db.transaction().execute(async (transaction) => {
      await sql`set local enable_seqscan = off`.execute(transaction);
      const { rows } = await sql<{ "QUERY PLAN": string }>`explain
        select chunk_key from knowledge_chunk_vectors
        where dimensions = 48 and knowledge_base_id = ${bases.large}
        order by embedding::public.vector(48) operator(public.<=>) ${query}::public.vector(48) limit 10`.execute(
        transaction,
      );
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("Index Scan using knowledge_chunk_vectors_hnsw_48");
  });

  it("searches through the HNSW index", async () => {
    const scans = async () => {
      await sql`select pg_stat_force_next_flush()`.execute(db);
      const { rows } = await sql<{ scans: string }>`select idx_scan as scans from pg_stat_user_indexes
        where indexrelname = 'knowledge_chunk_vectors_hnsw_48'`.execute(db);
      return Number(rows[0]?.scans ?? 0);
    };
    const before = await scans();
    expect(
      await pgvector.searchVector({ knowledgeBaseId: bases.large }, unitVector(next, 48), 10),
    ).toHaveLength(10);
    expect(await scans()).toBeGreaterThan(before);
  });

  it("finds what the exact scan finds, with the same scores", async () => {
    let found = 0;
    for (let round = 0; round < 5; round++) {
      const query = unitVector(next, 48);
      const scope = { knowledgeBaseId: bases.large };
      const [approximate, truth] = [
        await pgvector.searchVector(scope, query, 10),
        await exact.searchVector(scope, query, 10),
      ];
      expect(approximate).toHaveLength(10);
      expect(approximate[0]?.key).toBe(truth[0]?.key);
      const exactScores = new Map(truth.map((hit) => [hit.key, hit.score]));
      for (const hit of approximate) {
        const score = exactScores.get(hit.key);
        if (score !== undefined) {
          found++;
          expect(hit.score).toBeCloseTo(score, 5);
        }
      }
    }
    // HNSW is approximate: most of the exact top 10 (in practice all of it at this size).
    expect(found).toBeGreaterThanOrEqual(45);
  });

  it("filters inside the search: a small knowledge base or a document still gets its k nearest", async () => {
    const query = unitVector(next, 48);
    const small = await pgvector.searchVector({ knowledgeBaseId: bases.small }, query, 10);
    const truth = await exact.searchVector({ knowledgeBaseId: bases.small }, query, 10);
    expect(small.map((hit) => hit.key)).toEqual(truth.map((hit) => hit.key));
    for (const [rank, hit] of small.entries()) expect(hit.score).toBeCloseTo(truth[rank]?.score as number, 5);
    expect(small).toHaveLength(10);
    const documentId = documents[bases.large]?.[1] as string;
    const scope = { knowledgeBaseId: bases.large, documentIds: [documentId] };
    const inDocument = await pgvector.searchVector(scope, query, 10);
    expect(inDocument).toHaveLength(10);
    const { rows } = await sql<{
      key: string;
    }>`select key from knowledge_chunks where document_id = ${documentId}`.execute(db);
    const keys = new Set(rows.map((row) => Number(row.key)));
    expect(inDocument.every((hit) => keys.has(hit.key))).toBe(true);
    expect(inDocument[0]?.key).toBe((await exact.searchVector(scope, query, 10))[0]?.key);
  });

  it("keeps embedding lengths apart and forgets cleared vectors", async () => {
    const short = unitVector(next, 16);
    const hits = await pgvector.searchVector({ knowledgeBaseId: bases.short }, short, 5);
    expect(hits.map((hit) => hit.key)).toEqual(
      (await exact.searchVector({ knowledgeBaseId: bases.short }, short, 5)).map((hit) => hit.key),
    );
    expect(await pgvector.searchVector({ knowledgeBaseId: bases.short }, unitVector(next, 48), 5)).toEqual(
      [],
    );
    await db.transaction().execute((transaction) => pgvector.clearVectors(transaction, bases.short));
    expect(await pgvector.searchVector({ knowledgeBaseId: bases.short }, short, 5)).toEqual([]);
    expect(await exact.searchVector({ knowledgeBaseId: bases.short }, short, 5)).toEqual([]);
  });

  it("removes a chunk's vector with the chunk", async () => {
    const query = unitVector(next, 48);
    const [top] = await pgvector.searchVector({ knowledgeBaseId: bases.small }, query, 1);
    await db
      .transaction()
      .execute((transaction) => pgvector.remove(transaction, bases.small, [top?.key as number]));
    const after = await pgvector.searchVector({ knowledgeBaseId: bases.small }, query, 20);
    expect(after).toHaveLength(11);
    expect(after.some((hit) => hit.key === top?.key)).toBe(false);
  });
});
