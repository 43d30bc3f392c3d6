import type { Database } from "@nexus/core";
import SQLite from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import * as sqliteVec from "sqlite-vec";
import { queryWords } from "../analysis/analyzer.ts";
import { vectorToBytes } from "../embedders/embedder.ts";
import type { ChunkIndex, Executor, IndexHit, IndexScope, NewChunk } from "./chunk-index.ts";
import { bumpIndexVersion, createMemoryIndex } from "./memory-index.ts";
import { addTermFrequencies, readTermIdf } from "./term-frequencies.ts";

/** A knowledge base id as one full-text token (ids are `kb_` and letters and digits). */
export const baseToken = (knowledgeBaseId: string) =>
  knowledgeBaseId.replace(/[^a-z0-9]/gi, "").toLowerCase();

/** An FTS5 query matching any of the words: each quoted, so no word is read as an operator. */
export function fts5Query(text: string): string | undefined {
  const terms = queryWords(text);
  return terms.length > 0 ? terms.map((term) => `"${term}"`).join(" OR ") : undefined;
}

/**
 * SQLite: chunks' text in FTS5 (Porter stemmer, BM25 with k1 1.2, b 0.75), vectors as float32
 * blobs scored by sqlite-vec's `vec_distance_cosine`. Kysely's connection cannot load an
 * extension, so vector queries run on a second, read-only connection to the same file (WAL lets
 * it read beside the writer; it sees only committed chunks, which is what search should see).
 */
export async function createSqliteChunkIndex(db: Kysely<Database>): Promise<ChunkIndex> {
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  const file = rows.find((row) => row.name === "main")?.file;
  if (!file) throw new Error("the knowledge index needs a SQLite database file (not :memory:)");
  const reader = new SQLite(file, { readonly: true, fileMustExist: true });
  reader.pragma("busy_timeout = 5000");
  sqliteVec.load(reader);
  const statements = new Map<string, SQLite.Statement>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = reader.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  const memory = createMemoryIndex(db, { text: true });
  const documentClause = (scope: IndexScope) =>
    scope.documentIds ? ` and document_id in (select value from json_each(?))` : "";
  const documentArgs = (scope: IndexScope) => (scope.documentIds ? [JSON.stringify(scope.documentIds)] : []);

  return {
    dialect: "sqlite",
    vectorBackend: "sqlite-vec",
    vectorDetail: "exact scan in this process, sqlite-vec in the database beyond the cache",
    insert: async (executor, chunks) => insertChunks(executor, chunks),
    clearVectors: async (executor, knowledgeBaseId) => {
      await executor
        .updateTable("knowledge_chunks")
        .set({ embedding: null })
        .where("knowledge_base_id", "=", knowledgeBaseId)
        .execute();
      await bumpIndexVersion(executor, knowledgeBaseId, { reset: true });
    },
    remove: async (executor, knowledgeBaseId, keys) => {
      for (let start = 0; start < keys.length; start += 500) {
        const batch = keys.slice(start, start + 500);
        const removed = await executor
          .deleteFrom("knowledge_chunks")
          .where("key", "in", batch)
          .where("knowledge_base_id", "=", knowledgeBaseId)
          .returning(["key", "content"])
          .execute();
        if (removed.length === 0) continue;
        await bumpIndexVersion(executor, knowledgeBaseId, { removed: removed.map((row) => Number(row.key)) });
        await sql`delete from knowledge_chunks_fts where rowid in (${sql.join(removed.map((row) => row.key))})`.execute(
          executor,
        );
        await addTermFrequencies(
          executor,
          knowledgeBaseId,
          removed.map((row) => row.content),
          -1,
        );
      }
    },
    searchFullText: async (scope, query, limit) => {
      const match = fts5Query(query);
      if (!match) return [];
      // FTS5's bm25() runs once per matching row (60–190 ms at 100,000 chunks): the in-memory
      // postings rank the same terms in a few ms; FTS5 serves knowledge bases too large to hold.
      const held = await memory.searchText(scope, query, limit);
      if (held) return held;
      if (!scope.documentIds) {
        // The knowledge base filter inside the MATCH and FTS5's own rank order: the engine keeps
        // only the best `limit` rows instead of joining and sorting every match.
        const rows = prepared(
          `select rowid as key, rank from knowledge_chunks_fts
           where knowledge_chunks_fts match ? and rank match 'bm25(1.0, 0.0)' order by rank limit ?`,
        ).all(`base:"${baseToken(scope.knowledgeBaseId)}" AND (${match})`, limit) as Array<{
          key: number;
          rank: number;
        }>;
        return rows.map((row) => ({ key: row.key, score: -row.rank }));
      }
      const rows = prepared(
        `select chunks.key as key, bm25(knowledge_chunks_fts, 1.0, 0.0) as rank from knowledge_chunks_fts
         join knowledge_chunks chunks on chunks.key = knowledge_chunks_fts.rowid
         where knowledge_chunks_fts match ? and chunks.knowledge_base_id = ?${documentClause(scope)}
         order by rank limit ?`,
      ).all(match, scope.knowledgeBaseId, ...documentArgs(scope), limit) as Array<{
        key: number;
        rank: number;
      }>;
      // FTS5's bm25() is negated so that smaller sorts first; hits report the BM25 score itself.
      return rows.map((row) => ({ key: row.key, score: -row.rank }));
    },
    searchVector: async (scope, vector, limit) => {
      const held = await memory.searchVector(scope, vector, limit);
      if (held) return held;
      const rows = prepared(
        `select key, vec_distance_cosine(embedding, ?) as distance from knowledge_chunks
         where knowledge_base_id = ? and length(embedding) = ?${documentClause(scope)}
         order by distance limit ?`,
      ).all(
        vectorToBytes(vector),
        scope.knowledgeBaseId,
        vector.length * 4,
        ...documentArgs(scope),
        limit,
      ) as Array<{
        key: number;
        distance: number;
      }>;
      return rows.map((row): IndexHit => ({ key: row.key, score: 1 - row.distance }));
    },
    warm: (knowledgeBaseId) => memory.warm(knowledgeBaseId),
    termIdf: (knowledgeBaseId, terms) => readTermIdf(db, knowledgeBaseId, terms),
    close: async () => {
      reader.close();
    },
  };
}

async function insertChunks(executor: Executor, chunks: NewChunk[]): Promise<void> {
  const now = new Date().toISOString();
  const keys = new Map<string, number[]>();
  for (let start = 0; start < chunks.length; start += 200) {
    const batch = chunks.slice(start, start + 200);
    const inserted = await executor
      .insertInto("knowledge_chunks")
      .values(batch.map((chunk) => chunkRow(chunk, now)))
      .returning(["key", "content", "knowledge_base_id"])
      .execute();
    await sql`insert into knowledge_chunks_fts (rowid, content, base) values ${sql.join(
      inserted.map((row) => sql`(${row.key}, ${row.content}, ${baseToken(row.knowledge_base_id)})`),
    )}`.execute(executor);
    for (const row of inserted) addKey(keys, row.knowledge_base_id, Number(row.key));
  }
  for (const [knowledgeBaseId, list] of groupByBase(chunks)) {
    await bumpIndexVersion(executor, knowledgeBaseId, { added: keys.get(knowledgeBaseId) ?? [] });
    await addTermFrequencies(
      executor,
      knowledgeBaseId,
      list.map((chunk) => chunk.content),
      1,
    );
  }
}

export function chunkRow(chunk: NewChunk, now: string) {
  return {
    id: chunk.id,
    knowledge_base_id: chunk.knowledgeBaseId,
    workspace_id: chunk.workspaceId,
    document_id: chunk.documentId,
    position: chunk.position,
    content: chunk.content,
    content_hash: chunk.contentHash,
    parent_content: chunk.parentContent,
    page: chunk.page,
    metadata: JSON.stringify(chunk.metadata),
    embedding: chunk.embedding ? vectorToBytes(chunk.embedding) : null,
    edited: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Adds a chunk key to its knowledge base's list. */
export function addKey(keys: Map<string, number[]>, knowledgeBaseId: string, key: number) {
  const list = keys.get(knowledgeBaseId);
  if (list) list.push(key);
  else keys.set(knowledgeBaseId, [key]);
}

/** Chunks by knowledge base (Node 20 has no Map.groupBy). */
export function groupByBase(chunks: NewChunk[]): Map<string, NewChunk[]> {
  const groups = new Map<string, NewChunk[]>();
  for (const chunk of chunks) {
    const list = groups.get(chunk.knowledgeBaseId);
    if (list) list.push(chunk);
    else groups.set(chunk.knowledgeBaseId, [chunk]);
  }
  return groups;
}
