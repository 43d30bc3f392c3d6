import type { Database } from "@nexus/core";
import { type Kysely, sql } from "kysely";
import { foldDiacritics, queryWords } from "../analysis/analyzer.ts";
import { bytesToVector, dot } from "../embedders/embedder.ts";
import type { ChunkIndex, IndexHit, IndexScope } from "./chunk-index.ts";
import { bumpIndexVersion, createMemoryIndex } from "./memory-index.ts";
import { openPgvector, type PgvectorSetup } from "./pgvector-search.ts";
import { addKey, chunkRow, groupByBase } from "./sqlite-chunk-index.ts";
import { addTermFrequencies, readTermIdf } from "./term-frequencies.ts";

/** A `to_tsquery` text matching any of the words (words are letters and digits only, so no operator slips in). */
export function tsQuery(text: string): string | undefined {
  const terms = queryWords(text);
  return terms.length > 0 ? terms.join(" | ") : undefined;
}

export interface PostgresChunkIndexOptions {
  /** Use pgvector where the database has it (default); false keeps the exact scan (tests compare the two). */
  pgvector?: boolean;
}

/**
 * PostgreSQL: an `english` tsvector per chunk (Snowball stemmer, stop words) with a GIN index,
 * ranked by ts_rank_cd. Vectors are stored as float32 bytea on the chunk. Where the database has
 * pgvector (0.8 or later, or may create it), they are also kept in `knowledge_chunk_vectors` and
 * searched there with HNSW (pgvector-search.ts). Without it they are scored by an exact cosine
 * scan in this process over the knowledge base's chunks (right answers, cost linear in the
 * knowledge base's size); `vectorBackend` says which, and `GET /api/knowledge/status` reports it.
 */
export async function createPostgresChunkIndex(
  db: Kysely<Database>,
  options: PostgresChunkIndexOptions = {},
): Promise<ChunkIndex> {
  const scoped = (scope: IndexScope) =>
    scope.documentIds
      ? sql`and chunks.document_id in (${sql.join(scope.documentIds.length ? scope.documentIds : [""])})`
      : sql``;
  const setup: PgvectorSetup = options.pgvector === false ? { reason: "turned off" } : await openPgvector(db);
  const pgvector = setup.search;
  const memory = createMemoryIndex(db);
  return {
    dialect: "postgres",
    vectorBackend: pgvector ? "pgvector" : "exact-scan",
    vectorDetail: pgvector
      ? `pgvector ${pgvector.version}: HNSW (cosine) per embedding length in knowledge_chunk_vectors`
      : `exact scan in this process (pgvector: ${setup.reason})`,
    insert: async (executor, chunks) => {
      const now = new Date().toISOString();
      const keys = new Map<string, number[]>();
      for (let start = 0; start < chunks.length; start += 200) {
        const inserted = await executor
          .insertInto("knowledge_chunks")
          .values(chunks.slice(start, start + 200).map((chunk) => chunkRow(chunk, now)))
          .returning(["key", "id", "content", "knowledge_base_id"])
          .execute();
        for (const row of inserted) addKey(keys, row.knowledge_base_id, Number(row.key));
        // Diacritics folded first, as the queries are (PostgreSQL's english config keeps them).
        await sql`insert into knowledge_chunk_search (chunk_key, vector) values ${sql.join(
          inserted.map((row) => sql`(${row.key}, to_tsvector('english', ${foldDiacritics(row.content)}))`),
        )}`.execute(executor);
        if (pgvector) {
          const byId = new Map(chunks.map((chunk) => [chunk.id, chunk]));
          await pgvector.insert(
            executor,
            inserted.flatMap((row) => {
              const chunk = byId.get(row.id);
              return chunk?.embedding
                ? [
                    {
                      key: Number(row.key),
                      knowledgeBaseId: chunk.knowledgeBaseId,
                      documentId: chunk.documentId,
                      embedding: chunk.embedding,
                    },
                  ]
                : [];
            }),
          );
        }
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
    },
    remove: async (executor, knowledgeBaseId, keys) => {
      for (let start = 0; start < keys.length; start += 500) {
        // The search row goes with the chunk (foreign key cascade).
        const removed = await executor
          .deleteFrom("knowledge_chunks")
          .where("key", "in", keys.slice(start, start + 500))
          .where("knowledge_base_id", "=", knowledgeBaseId)
          .returning(["key", "content"])
          .execute();
        if (removed.length > 0)
          await bumpIndexVersion(executor, knowledgeBaseId, {
            removed: removed.map((row) => Number(row.key)),
          });
        await addTermFrequencies(
          executor,
          knowledgeBaseId,
          removed.map((row) => row.content),
          -1,
        );
      }
    },
    searchFullText: async (scope, query, limit) => {
      const text = tsQuery(query);
      if (!text) return [];
      const { rows } = await sql<{ key: number; rank: number }>`
        select chunks.key as key, ts_rank_cd(search.vector, query, 1) as rank
        from knowledge_chunk_search search
        join knowledge_chunks chunks on chunks.key = search.chunk_key,
        to_tsquery('english', ${text}) query
        where search.vector @@ query and chunks.knowledge_base_id = ${scope.knowledgeBaseId} ${scoped(scope)}
        order by rank desc, chunks.key limit ${limit}`.execute(db);
      return rows.map((row) => ({ key: Number(row.key), score: Number(row.rank) }));
    },
    clearVectors: async (executor, knowledgeBaseId) => {
      await executor
        .updateTable("knowledge_chunks")
        .set({ embedding: null })
        .where("knowledge_base_id", "=", knowledgeBaseId)
        .execute();
      await pgvector?.clear(executor, knowledgeBaseId);
      await bumpIndexVersion(executor, knowledgeBaseId, { reset: true });
    },
    searchVector: async (scope, vector, limit) => {
      if (pgvector) return pgvector.search(scope, vector, limit);
      const held = await memory.searchVector(scope, vector, limit);
      if (held) return held;
      const { rows } = await sql<{ key: number; embedding: Buffer }>`
        select chunks.key as key, chunks.embedding as embedding from knowledge_chunks chunks
        where chunks.knowledge_base_id = ${scope.knowledgeBaseId} and chunks.embedding is not null ${scoped(scope)}`.execute(
        db,
      );
      const hits: IndexHit[] = rows
        // Vectors of another embedder (mid re-embedding) cannot be compared.
        .filter((row) => row.embedding.length === vector.length * 4)
        .map((row) => ({ key: Number(row.key), score: dot(vector, bytesToVector(row.embedding)) }));
      return hits.sort((a, b) => b.score - a.score || a.key - b.key).slice(0, limit);
    },
    // pgvector searches in the database: nothing to hold in memory.
    warm: async (knowledgeBaseId) => (pgvector ? undefined : memory.warm(knowledgeBaseId)),
    termIdf: (knowledgeBaseId, terms) => readTermIdf(db, knowledgeBaseId, terms),
    close: async () => {},
  };
}
