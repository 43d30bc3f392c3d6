import type { Database } from "@nexus/core";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { bytesToVector } from "../embedders/embedder.ts";
import type { Executor, IndexHit, IndexScope } from "./chunk-index.ts";
import { pgvectorStatus } from "./pgvector-status.ts";
import { minimumPgvector, versionAtLeast } from "./pgvector-version.ts";

/** HNSW indexes `vector` up to 2,000 dimensions; longer ones are still searched exactly in the database. */
const maxIndexedDimensions = 2000;
const backfillBatch = 500;

/** One chunk's vector as written to `knowledge_chunk_vectors`. */
export interface VectorRow {
  key: number;
  knowledgeBaseId: string;
  documentId: string;
  embedding: Float32Array;
}

export interface PgvectorSearch {
  version: string;
  insert(executor: Executor, rows: VectorRow[]): Promise<void>;
  /** Drops a knowledge base's vectors (its embedder changed; chunks are embedded again). */
  clear(executor: Executor, knowledgeBaseId: string): Promise<void>;
  search(scope: IndexScope, vector: Float32Array, limit: number): Promise<IndexHit[]>;
}

export type PgvectorSetup = { search: PgvectorSearch } | { search?: undefined; reason: string };

export const indexName = (dimensions: number) => `knowledge_chunk_vectors_hnsw_${dimensions}`;

const vectorLiteral = (vector: Float32Array) => `[${Array.from(vector).join(",")}]`;
/** Serialises DDL on the vector table between processes starting (or inserting a new dimension) at once. */
const ddlLock = (executor: Executor) =>
  sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.knowledge_chunk_vectors'))`.execute(
    executor,
  );

/**
 * pgvector, when the database has it (or lets us create it) at version 0.8 or later; otherwise a
 * reason, and the caller keeps its exact scan. Never throws for a missing or old extension.
 *
 * Vectors live in a side table, `knowledge_chunk_vectors` (created here, not by a migration: its
 * column type exists only with the extension), one row per embedded chunk, removed with the chunk
 * by a foreign-key cascade. The float32 `bytea` in `knowledge_chunks` stays the source of truth,
 * so rows missing here (chunks written before pgvector was there) are filled in at start-up.
 * Knowledge bases may use embedders of different lengths, so the column is an untyped `vector`
 * with one partial HNSW index per length on `(embedding::vector(n))` `where dimensions = n`
 * (pgvector's advice for mixed dimensions), made the first time a length is written.
 */
export async function openPgvector(db: Kysely<Database>): Promise<PgvectorSetup> {
  const status = await pgvectorStatus(db);
  if (!status.available) return { reason: "not installed on the PostgreSQL server" };
  if (!status.installedVersion) {
    try {
      await sql`create extension if not exists vector`.execute(db);
    } catch (error) {
      // Another process may have created it meanwhile; else this role may not create extensions.
      if (!(await pgvectorStatus(db)).installedVersion)
        return { reason: `could not create the extension: ${(error as Error).message}` };
    }
  }
  const { rows } = await sql<{ version: string; namespace: string }>`
    select extversion as version, extnamespace::regnamespace::text as namespace
    from pg_extension where extname = 'vector'`.execute(db);
  const extension = rows[0];
  if (!extension) return { reason: "the extension disappeared while starting" };
  if (!versionAtLeast(extension.version, minimumPgvector))
    return {
      reason: `version ${extension.version} is older than ${minimumPgvector} (alter extension vector update)`,
    };

  // The catalog gives the schema quoted where needed; the type and operators are named through it
  // so they resolve whatever the store's search_path.
  const ns = extension.namespace;
  const typed = (dimensions?: number) => sql.raw(dimensions ? `${ns}.vector(${dimensions})` : `${ns}.vector`);
  const cosine = sql.raw(`operator(${ns}.<=>)`);

  await db.transaction().execute(async (transaction) => {
    await ddlLock(transaction);
    await sql`create table if not exists knowledge_chunk_vectors (
      chunk_key bigint primary key references knowledge_chunks (key) on delete cascade,
      knowledge_base_id text not null,
      document_id text not null,
      dimensions integer not null,
      embedding ${typed()} not null
    )`.execute(transaction);
    await sql`create index if not exists knowledge_chunk_vectors_base
      on knowledge_chunk_vectors (knowledge_base_id, dimensions)`.execute(transaction);
  });

  /** Dimensions whose HNSW index is known to exist. */
  const indexed = new Set<number>();
  const ensureIndexes = async (executor: Executor, dimensions: Iterable<number>) => {
    for (const length of new Set(dimensions)) {
      if (indexed.has(length) || length > maxIndexedDimensions) continue;
      const { rows: found } = await sql`select 1 from pg_indexes
        where schemaname = current_schema() and indexname = ${indexName(length)}`.execute(executor);
      // Remembered only once seen in the catalog: one made in a transaction that rolls back is made again.
      if (found.length > 0) {
        indexed.add(length);
        continue;
      }
      await ddlLock(executor);
      await sql`create index if not exists ${sql.id(indexName(length))} on knowledge_chunk_vectors
        using hnsw ((embedding::${typed(length)}) ${sql.raw(`${ns}.vector_cosine_ops`)})
        where dimensions = ${sql.lit(length)}`.execute(executor);
    }
  };

  const insert = async (executor: Executor, list: VectorRow[]) => {
    if (list.length === 0) return;
    await ensureIndexes(
      executor,
      list.map((row) => row.embedding.length),
    );
    for (let start = 0; start < list.length; start += 200) {
      await sql`insert into knowledge_chunk_vectors (chunk_key, knowledge_base_id, document_id, dimensions, embedding)
        values ${sql.join(
          list
            .slice(start, start + 200)
            .map(
              (row) =>
                sql`(${row.key}, ${row.knowledgeBaseId}, ${row.documentId}, ${row.embedding.length}, ${vectorLiteral(row.embedding)}::${typed()})`,
            ),
        )}
        on conflict (chunk_key) do update set embedding = excluded.embedding, dimensions = excluded.dimensions`.execute(
        executor,
      );
    }
  };

  // Chunks embedded before pgvector was there (or while it was not used) get their rows now.
  for (;;) {
    const { rows: missing } = await sql<{
      key: string;
      knowledge_base_id: string;
      document_id: string;
      embedding: Buffer;
    }>`
      select c.key, c.knowledge_base_id, c.document_id, c.embedding from knowledge_chunks c
      where c.embedding is not null and not exists (select 1 from knowledge_chunk_vectors v where v.chunk_key = c.key)
      order by c.key limit ${backfillBatch}`.execute(db);
    if (missing.length === 0) break;
    await db.transaction().execute(async (transaction) => {
      // Skips chunks deleted since they were read (the foreign key would fail the batch), and
      // holds the rest until this commits.
      const { rows: present } = await sql<{ key: string }>`select key from knowledge_chunks
        where key in (${sql.join(missing.map((row) => row.key))}) for share`.execute(transaction);
      const keep = new Set(present.map((row) => String(row.key)));
      await insert(
        transaction,
        missing
          .filter((row) => keep.has(String(row.key)))
          .map((row) => ({
            key: Number(row.key),
            knowledgeBaseId: row.knowledge_base_id,
            documentId: row.document_id,
            embedding: bytesToVector(row.embedding),
          })),
      );
    });
    if (missing.length < backfillBatch) break;
  }

  const search = async (scope: IndexScope, vector: Float32Array, limit: number): Promise<IndexHit[]> => {
    const length = vector.length;
    const distance = sql`embedding::${typed(length)} ${cosine} ${vectorLiteral(vector)}::${typed(length)}`;
    const documents = scope.documentIds
      ? sql`and document_id in (${sql.join(scope.documentIds.length ? scope.documentIds : [""])})`
      : sql``;
    // The filter is in the query, and the iterative scan keeps walking the graph until `limit`
    // rows pass it (strict order: exact distance order among what it finds).
    const query = (executor: Executor) =>
      sql<{ key: string; distance: number }>`
        select chunk_key as key, ${distance} as distance from knowledge_chunk_vectors
        where dimensions = ${sql.lit(length)} and knowledge_base_id = ${scope.knowledgeBaseId} ${documents}
        order by distance limit ${limit}`.execute(executor);
    const rows = await db.transaction().execute(async (transaction) => {
      await settings(transaction, {
        "hnsw.iterative_scan": "strict_order",
        "hnsw.ef_search": String(Math.min(1000, Math.max(40, limit * 2))),
      });
      const first = await query(transaction);
      if (first.rows.length >= limit) return first.rows;
      // Fewer than asked: either there are no more, or the scan gave up (hnsw.max_scan_tuples) on
      // a narrow filter in a large table. An exact search of the filtered rows settles it.
      await settings(transaction, { enable_indexscan: "off" });
      return (await query(transaction)).rows;
    });
    return (
      rows
        // A zero query vector has no cosine distance (NaN); the exact scan scores it 0.
        .map((row) => ({
          key: Number(row.key),
          score: Number.isFinite(Number(row.distance)) ? 1 - Number(row.distance) : 0,
        }))
        .sort((left, right) => right.score - left.score || left.key - right.key)
    );
  };

  return {
    search: {
      version: extension.version,
      insert,
      clear: async (executor, knowledgeBaseId) => {
        await sql`delete from knowledge_chunk_vectors where knowledge_base_id = ${knowledgeBaseId}`.execute(
          executor,
        );
      },
      search,
    },
  };
}

/** Settings for this transaction only (the pool's connections are shared). */
function settings(executor: Executor, values: Record<string, string>): Promise<unknown> {
  const calls: RawBuilder<unknown>[] = Object.entries(values).map(
    ([name, value]) => sql`set_config(${name}, ${value}, true)`,
  );
  return sql`select ${sql.join(calls)}`.execute(executor);
}
