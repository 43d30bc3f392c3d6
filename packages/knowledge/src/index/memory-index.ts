import type { Database } from "@nexus/core";
import { type Kysely, sql } from "kysely";
import { bytesToVector } from "../embedders/embedder.ts";
import type { Executor, IndexHit, IndexScope } from "./chunk-index.ts";
import { type Int8Matrix, quantizeMatrix } from "./int8-dot-products.ts";
import { buildTextPostings, type TextPostings } from "./text-postings.ts";

interface LoadedBase {
  version: number;
  dimensions: number;
  /** Vector rows: row i's vector at [i * dimensions, (i + 1) * dimensions). */
  keys: Float64Array;
  documents: string[];
  matrix: Float32Array;
  /** Int8 codes of `matrix` for the first, approximate pass; absent for small bases. */
  quantized?: Int8Matrix;
  /** Full-text rows (every chunk, with or without a vector), when the index keeps text. */
  text?: { keys: Float64Array; documents: string[]; postings: TextPostings };
}

/** Marks a knowledge base's chunks as changed (`added` chunks, negative when removed); call in the transaction that changes them. */
export async function bumpIndexVersion(
  executor: Executor,
  knowledgeBaseId: string,
  added: number,
): Promise<void> {
  await sql`update knowledge_bases set index_version = index_version + 1, chunk_count = chunk_count + ${added}
    where id = ${knowledgeBaseId}`.execute(executor);
}

export interface MemoryIndexOptions {
  /** Also keep an in-memory BM25 index of the chunks' text (SQLite; PostgreSQL ranks in the database). */
  text?: boolean;
  /** Knowledge bases with more vector values than this are not loaded (search falls back to the database). */
  maxFloats?: number;
  /** From this many vectors on, a first pass over int8 codes picks candidates for the exact scores. */
  quantizeFrom?: number;
  /** From this many chunks on, a stale copy is reloaded in the background while the database answers. */
  backgroundLoadFrom?: number;
}

/** Candidates the int8 pass hands to the exact re-rank: generous, as the re-rank costs ~1 µs each. */
const rerankPool = (limit: number) => Math.max(limit * 8, 256);

/**
 * Each knowledge base's vectors (and optionally a BM25 index of its text) in memory. One indexed
 * read (the knowledge base's `index_version`) per search tells whether the copy is current, so
 * every replica (and a CLI writing to the same SQLite file) stays right; a stale copy is reloaded
 * whole (~8 s at 100,000 chunks on 2 cores; large bases reload in the background meanwhile). Vector
 * search: exact cosine over float32 for small bases; from `quantizeFrom` vectors on, int8 SIMD
 * scores pick `rerankPool` candidates that are then scored exactly (bench: the same top 50 as the
 * exact scan at 100,000 chunks in bench/knowledge-search-latency.ts).
 */
export function createMemoryIndex(db: Kysely<Database>, options: MemoryIndexOptions = {}) {
  const maxFloats = options.maxFloats ?? 64 * 1024 * 1024;
  const quantizeFrom = options.quantizeFrom ?? 10_000;
  const backgroundLoadFrom = options.backgroundLoadFrom ?? 20_000;
  /** Per knowledge base, the version held and its copy (null: too large to hold). */
  const bases = new Map<string, { version: number; loaded: LoadedBase | null }>();
  const loading = new Map<string, Promise<LoadedBase | null>>();

  async function load(knowledgeBaseId: string, version: number): Promise<LoadedBase | null> {
    const rows = await db
      .selectFrom("knowledge_chunks")
      .select(["key", "document_id", "embedding"])
      .$if(options.text === true, (query) => query.select("content"))
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .orderBy("key")
      .execute();
    const first = rows.find((row) => row.embedding);
    const dimensions = first?.embedding ? first.embedding.byteLength / 4 : 0;
    const usable = rows.filter((row) => row.embedding && row.embedding.byteLength === dimensions * 4);
    if (usable.length * dimensions > maxFloats) {
      bases.set(knowledgeBaseId, { version, loaded: null });
      return null;
    }
    const matrix = new Float32Array(usable.length * dimensions);
    const keys = new Float64Array(usable.length);
    const documents: string[] = [];
    usable.forEach((row, index) => {
      const bytes = row.embedding as Uint8Array;
      // Read the blob in place when it is aligned (a copy per row cost ~2 s at 100,000 chunks).
      matrix.set(
        bytes.byteOffset % 4 === 0
          ? new Float32Array(bytes.buffer, bytes.byteOffset, dimensions)
          : bytesToVector(bytes),
        index * dimensions,
      );
      keys[index] = Number(row.key);
      documents.push(row.document_id);
    });
    const quantized =
      usable.length >= quantizeFrom ? quantizeMatrix(matrix, usable.length, dimensions) : undefined;
    const text = options.text
      ? {
          keys: Float64Array.from(rows, (row) => Number(row.key)),
          documents: rows.map((row) => row.document_id),
          postings: buildTextPostings(rows.map((row) => (row as { content?: string }).content ?? "")),
        }
      : undefined;
    const loaded: LoadedBase = {
      version,
      dimensions,
      keys,
      documents,
      matrix,
      ...(quantized ? { quantized } : {}),
      ...(text ? { text } : {}),
    };
    bases.set(knowledgeBaseId, { version, loaded });
    return loaded;
  }

  /** The current copy of a knowledge base; null when it is too large to hold, undefined when it does not exist. */
  async function current(knowledgeBaseId: string, wait = false): Promise<LoadedBase | null | undefined> {
    const row = await db
      .selectFrom("knowledge_bases")
      .select(["index_version", "chunk_count"])
      .where("id", "=", knowledgeBaseId)
      .executeTakeFirst();
    if (!row) return undefined;
    const version = Number(row.index_version);
    const cached = bases.get(knowledgeBaseId);
    if (cached?.version === version) return cached.loaded;
    const key = `${knowledgeBaseId}:${version}`;
    let pending = loading.get(key);
    if (!pending) {
      pending = load(knowledgeBaseId, version).finally(() => loading.delete(key));
      loading.set(key, pending);
    }
    // A large knowledge base loads in the background (~8 s at 100,000 chunks) while the
    // database serves its searches (FTS5, sqlite-vec or the PostgreSQL scan: slower, but
    // current); a small one is loaded before answering, so its results never depend on timing.
    if (!wait && Number(row.chunk_count) >= backgroundLoadFrom) {
      pending.catch(() => {});
      return null;
    }
    return pending;
  }

  return {
    /** Nearest chunks by cosine; undefined when the knowledge base is not held in memory. */
    async searchVector(
      scope: IndexScope,
      vector: Float32Array,
      limit: number,
    ): Promise<IndexHit[] | undefined> {
      const loaded = await current(scope.knowledgeBaseId);
      if (loaded === undefined) return [];
      if (loaded === null) return undefined;
      // Vectors of another embedder (mid re-embedding) cannot be compared.
      if (loaded.dimensions !== vector.length) return [];
      const allowed = scope.documentIds ? new Set(scope.documentIds) : undefined;
      const { keys, documents } = loaded;
      const exact = (row: number) => dotRow(loaded.matrix, row * loaded.dimensions, vector);
      const rows = loaded.quantized
        ? topRows(loaded.quantized.scores(vector), rerankPool(limit), allowed, documents)
        : undefined;
      const top: IndexHit[] = [];
      let floor = Number.NEGATIVE_INFINITY;
      const consider = (row: number) => {
        const score = exact(row);
        if (top.length >= limit && score <= floor) return;
        top.push({ key: keys[row] as number, score });
        if (top.length >= limit * 2) {
          top.sort(byScore);
          top.length = limit;
          floor = (top[limit - 1] as IndexHit).score;
        }
      };
      if (rows) for (const row of rows) consider(row);
      else
        for (let row = 0; row < keys.length; row++)
          if (!allowed || allowed.has(documents[row] as string)) consider(row);
      return top.sort(byScore).slice(0, limit);
    },
    /** Best chunks by BM25 over the analysed query; undefined when no text index is held. */
    async searchText(scope: IndexScope, query: string, limit: number): Promise<IndexHit[] | undefined> {
      if (!options.text) return undefined;
      const loaded = await current(scope.knowledgeBaseId);
      if (loaded === undefined) return [];
      if (!loaded?.text) return undefined;
      const { keys, documents, postings } = loaded.text;
      const allowed = scope.documentIds ? new Set(scope.documentIds) : undefined;
      return postings
        .search(query, limit, allowed ? (row) => allowed.has(documents[row] as string) : undefined)
        .map(({ row, score }) => ({ key: keys[row] as number, score }));
    },
    /** Brings a knowledge base's copy up to date now, waiting for the load however large it is. */
    async warm(knowledgeBaseId: string): Promise<void> {
      await current(knowledgeBaseId, true);
    },
    clear: () => bases.clear(),
  };
}

const byScore = (left: IndexHit, right: IndexHit) => right.score - left.score || left.key - right.key;

function dotRow(matrix: Float32Array, offset: number, vector: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const dimensions = vector.length;
  let column = 0;
  for (; column < dimensions - 3; column += 4) {
    s0 += (matrix[offset + column] as number) * (vector[column] as number);
    s1 += (matrix[offset + column + 1] as number) * (vector[column + 1] as number);
    s2 += (matrix[offset + column + 2] as number) * (vector[column + 2] as number);
    s3 += (matrix[offset + column + 3] as number) * (vector[column + 3] as number);
  }
  let score = s0 + s1 + s2 + s3;
  for (; column < dimensions; column++)
    score += (matrix[offset + column] as number) * (vector[column] as number);
  return score;
}

/** Indexes of the `count` highest scores (allowed documents only), in no particular order. */
function topRows(scores: Float32Array, count: number, allowed: Set<string> | undefined, documents: string[]) {
  let rows: number[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < scores.length; row++) {
    const score = scores[row] as number;
    if (score <= floor) continue;
    if (allowed && !allowed.has(documents[row] as string)) continue;
    rows.push(row);
    if (rows.length >= count * 2) {
      rows.sort((left, right) => (scores[right] as number) - (scores[left] as number));
      rows = rows.slice(0, count);
      floor = scores[rows[count - 1] as number] as number;
    }
  }
  return rows;
}
