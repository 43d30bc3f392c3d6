import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import type { IndexHit, IndexScope } from "./chunk-index.ts";
import { keptChanges, readChunks, readIndexChanges } from "./index-changes.ts";
import {
  applyChanges,
  buildCopy,
  type CopyOptions,
  type MemoryCopy,
  wantsCompaction,
} from "./memory-copy.ts";

export { bumpIndexVersion } from "./index-changes.ts";

export interface MemoryIndexOptions {
  /** Also keep an in-memory BM25 index of the chunks' text (SQLite; PostgreSQL ranks in the database). */
  text?: boolean;
  /** Knowledge bases with more vector values than this are not loaded (search falls back to the database). */
  maxFloats?: number;
  /** From this many vectors on, a first pass over int8 codes picks candidates for the exact scores. */
  quantizeFrom?: number;
  /** From this many chunks on, a full load runs in the background while the database answers. */
  backgroundLoadFrom?: number;
}

/**
 * Candidates the int8 pass hands to the exact re-rank (~1 µs each): generous, and on average as
 * many as before the pass kept exactly this many (it kept 1–2 × max(8 × limit, 256), by scan order).
 */
const rerankPool = (limit: number) => Math.max(limit * 12, 384);

/**
 * Each knowledge base's vectors (and optionally a BM25 index of its text) in memory. One indexed
 * read (the knowledge base's `index_version`) per search tells whether the copy is current, so
 * every replica (and a CLI writing to the same SQLite file) stays right. A stale copy catches up
 * from the change log (index-changes.ts, written in the transaction of each change): the chunks
 * changed since the version held are read by key, removed rows are marked and skipped, added
 * ones appended to the float matrix, the int8 codes and the postings (a one-page document at
 * 100,000 chunks: milliseconds, see bench/knowledge-index-catch-up.ts). Results equal a fresh
 * load's: same hits, same scores, same BM25 statistics (N, average length, document frequencies
 * over the live rows), ties broken by key. The copy is loaded whole on first use, and again when
 * the log cannot bring it up to date: a version pruned from the log (over `keptChanges` behind)
 * or missing, vectors cleared (a new embedder), new vectors of another length, or too many
 * chunks added at once. A full load takes ~8 s at 100,000 chunks on 2 cores; from
 * `backgroundLoadFrom` chunks it runs in the background while the database answers. Once over a
 * quarter of a copy's rows are removed ones, a fresh copy is loaded in the background while the
 * caught-up one keeps answering.
 * Vector search: exact cosine over float32 for small bases; from `quantizeFrom` vectors on, int8
 * SIMD scores pick `rerankPool` candidates that are then scored exactly (bench: the same top 50
 * as the exact scan at 100,000 chunks in bench/knowledge-search-latency.ts).
 */
export function createMemoryIndex(db: Kysely<Database>, options: MemoryIndexOptions = {}) {
  const copyOptions: CopyOptions = {
    text: options.text === true,
    maxFloats: options.maxFloats ?? 64 * 1024 * 1024,
    quantizeFrom: options.quantizeFrom ?? 10_000,
  };
  const backgroundLoadFrom = options.backgroundLoadFrom ?? 20_000;
  /** Per knowledge base, the version held and its copy (null: too large to hold). */
  const bases = new Map<string, { version: number; copy: MemoryCopy | null }>();
  const loading = new Map<string, Promise<MemoryCopy | null>>();
  const catching = new Map<string, Promise<MemoryCopy | null>>();
  /** Knowledge bases whose copy the log could not bring up to date: they wait for a full load. */
  const stuck = new Set<string>();
  /** Full loads and catch-ups from the log so far (tests and benches read them). */
  const counts = { fullLoads: 0, catchUps: 0 };

  async function load(knowledgeBaseId: string, version: number): Promise<MemoryCopy | null> {
    const rows = await db
      .selectFrom("knowledge_chunks")
      .select(["key", "document_id", "embedding"])
      .$if(copyOptions.text, (query) => query.select("content"))
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .orderBy("key")
      .execute();
    const copy = buildCopy(rows, copyOptions);
    counts.fullLoads++;
    // Even where the copy held has caught up past `version` meanwhile: this one is compact, and
    // the next search brings it up to date from the log.
    bases.set(knowledgeBaseId, { version, copy });
    stuck.delete(knowledgeBaseId);
    return copy;
  }

  function startLoad(knowledgeBaseId: string, version: number): Promise<MemoryCopy | null> {
    const key = `${knowledgeBaseId}:${version}`;
    let pending = loading.get(key);
    if (!pending) {
      pending = load(knowledgeBaseId, version).finally(() => loading.delete(key));
      loading.set(key, pending);
    }
    return pending;
  }

  /** Brings the held copy from its version to `version` by the log; null where it cannot. */
  async function catchUp(knowledgeBaseId: string, version: number): Promise<MemoryCopy | null> {
    const held = bases.get(knowledgeBaseId);
    if (!held?.copy) return null;
    if (held.version >= version) return held.copy;
    const changed = await readIndexChanges(db, knowledgeBaseId, held.version, version);
    const size = held.copy.text?.count ?? held.copy.vectors.count;
    if (!changed || changed.added.length > Math.max(keptChanges, size / 4)) return null;
    const rows = await readChunks(db, knowledgeBaseId, changed.added, copyOptions.text);
    // Applied synchronously (no search sees half a change), to the copy read from unless a full
    // load replaced it meanwhile (then from that one); a copy already past `held.version` takes
    // the same changes unharmed.
    const now = bases.get(knowledgeBaseId);
    if (now?.copy !== held.copy) return catchUp(knowledgeBaseId, version);
    if (now.version >= version) return now.copy;
    if (!applyChanges(held.copy, changed, rows, copyOptions)) return null;
    now.version = version;
    counts.catchUps++;
    // Removed rows are skipped, not freed: once they are over a quarter, a fresh copy is built in
    // the background while this one (right, a little slower) keeps answering.
    if (wantsCompaction(held.copy)) startLoad(knowledgeBaseId, version).catch(() => {});
    return held.copy;
  }

  /** The current copy of a knowledge base; null when it is too large to hold, undefined when it does not exist. */
  async function current(knowledgeBaseId: string, wait = false): Promise<MemoryCopy | null | undefined> {
    const row = await db
      .selectFrom("knowledge_bases")
      .select(["index_version", "chunk_count"])
      .where("id", "=", knowledgeBaseId)
      .executeTakeFirst();
    if (!row) return undefined;
    const version = Number(row.index_version);
    const cached = bases.get(knowledgeBaseId);
    // Equal, or (a copy loaded after a newer change than the version read) ahead.
    if (cached && cached.version >= version) return cached.copy;
    const key = `${knowledgeBaseId}:${version}`;
    // Until the full load it needs is done, a copy the log could not bring up to date is not retried.
    if (cached?.copy && !stuck.has(knowledgeBaseId)) {
      let pending = catching.get(key);
      if (!pending) {
        pending = catchUp(knowledgeBaseId, version).finally(() => catching.delete(key));
        catching.set(key, pending);
      }
      const caught = await pending;
      if (caught) return caught;
      stuck.add(knowledgeBaseId);
    }
    const pending = startLoad(knowledgeBaseId, version);
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
    counts,
    /** Nearest chunks by cosine; undefined when the knowledge base is not held in memory. */
    async searchVector(
      scope: IndexScope,
      vector: Float32Array,
      limit: number,
    ): Promise<IndexHit[] | undefined> {
      const copy = await current(scope.knowledgeBaseId);
      if (copy === undefined) return [];
      if (copy === null) return undefined;
      const { vectors } = copy;
      // Vectors of another embedder (mid re-embedding) cannot be compared.
      if (vectors.dimensions !== vector.length) return [];
      const allowed = scope.documentIds ? new Set(scope.documentIds) : undefined;
      const { keys, documents, dead, dimensions, matrix } = vectors;
      const rows = vectors.quantized
        ? topRows(vectors.quantized.scores(vector), rerankPool(limit), (row) =>
            dead[row] || (allowed && !allowed.has(documents[row] as string))
              ? undefined
              : (keys[row] as number),
          )
        : undefined;
      const top: IndexHit[] = [];
      let floor = Number.NEGATIVE_INFINITY;
      const consider = (row: number) => {
        const score = dotRow(matrix, row * dimensions, vector);
        // Ties with the floor are kept: the key decides between them, not the row order.
        if (top.length >= limit && score < floor) return;
        top.push({ key: keys[row] as number, score });
        if (top.length >= limit * 2) {
          top.sort(byScore);
          top.length = limit;
          floor = (top[limit - 1] as IndexHit).score;
        }
      };
      if (rows) for (const row of rows) consider(row);
      else
        for (let row = 0; row < vectors.count; row++)
          if (!dead[row] && (!allowed || allowed.has(documents[row] as string))) consider(row);
      return top.sort(byScore).slice(0, limit);
    },
    /** Best chunks by BM25 over the analysed query; undefined when no text index is held. */
    async searchText(scope: IndexScope, query: string, limit: number): Promise<IndexHit[] | undefined> {
      if (!copyOptions.text) return undefined;
      const copy = await current(scope.knowledgeBaseId);
      if (copy === undefined) return [];
      if (!copy?.text) return undefined;
      const { keys, documents, postings } = copy.text;
      const allowed = scope.documentIds ? new Set(scope.documentIds) : undefined;
      return postings
        .search(
          query,
          limit,
          allowed ? (row) => allowed.has(documents[row] as string) : undefined,
          (row) => keys[row] as number,
        )
        .map(({ row, score }) => ({ key: keys[row] as number, score }));
    },
    /** Brings a knowledge base's copy up to date now, waiting for a full load however large it is. */
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

/**
 * Indexes of the `count` highest scores, ties ranked by key, so the same rows whatever the row
 * order; `keyOf` gives a row's key, or undefined to leave it out (removed, another document's).
 */
function topRows(scores: Float32Array, count: number, keyOf: (row: number) => number | undefined) {
  let rows: number[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  const order = (left: number, right: number) =>
    (scores[right] as number) - (scores[left] as number) ||
    (keyOf(left) as number) - (keyOf(right) as number);
  for (let row = 0; row < scores.length; row++) {
    const score = scores[row] as number;
    if (score < floor || keyOf(row) === undefined) continue;
    rows.push(row);
    if (rows.length >= count * 2) {
      rows.sort(order);
      rows = rows.slice(0, count);
      floor = scores[rows[count - 1] as number] as number;
    }
  }
  return rows.sort(order).slice(0, count);
}
