import { bytesToVector } from "../embedders/embedder.ts";
import type { ChangedKeys } from "./index-changes.ts";
import { type Int8Matrix, quantizeMatrix } from "./int8-dot-products.ts";
import { buildTextPostings, type TextPostings } from "./text-postings.ts";

/** A chunk as the copy reads it. */
export interface ChunkRow {
  key: number | string | bigint;
  document_id: string;
  embedding: Uint8Array | null;
  content?: string;
}

/** Rows of a copy: a removed row stays (skipped, `dead`) until the next full load. */
interface Rows {
  /** Rows held, removed ones included; the arrays have room for more. */
  count: number;
  live: number;
  keys: Float64Array;
  documents: string[];
  dead: Uint8Array;
  rowOf: Map<number, number>;
}

export interface VectorRows extends Rows {
  dimensions: number;
  /** Row i's vector at [i * dimensions, (i + 1) * dimensions). */
  matrix: Float32Array;
  /** Int8 codes of `matrix` for the first, approximate pass; absent for small bases. */
  quantized?: Int8Matrix;
}

/** A knowledge base's vectors (and optionally the BM25 index of its text) in memory. */
export interface MemoryCopy {
  vectors: VectorRows;
  /** Full-text rows (every chunk, with or without a vector), when the index keeps text. */
  text?: Rows & { postings: TextPostings };
}

export interface CopyOptions {
  text: boolean;
  maxFloats: number;
  quantizeFrom: number;
}

const room = (rows: number) => rows + Math.ceil(rows / 64) + 16;

function newRows(capacity: number): Rows {
  return {
    count: 0,
    live: 0,
    keys: new Float64Array(capacity),
    documents: [],
    dead: new Uint8Array(capacity),
    rowOf: new Map(),
  };
}

function reserve<T extends Float64Array | Uint8Array | Float32Array>(array: T, wanted: number, width = 1): T {
  if (wanted * width <= array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(
    Math.max(wanted, Math.ceil((array.length / width) * 1.25)) * width,
  );
  grown.set(array);
  return grown;
}

function push(rows: Rows, key: number, document: string) {
  rows.keys = reserve(rows.keys, rows.count + 1);
  rows.dead = reserve(rows.dead, rows.count + 1);
  rows.keys[rows.count] = key;
  rows.documents.push(document);
  rows.rowOf.set(key, rows.count);
  rows.count++;
  rows.live++;
}

/** Marks the rows of these keys removed; their row indexes. */
function drop(rows: Rows, keys: Iterable<number>): number[] {
  const dropped: number[] = [];
  for (const key of keys) {
    const row = rows.rowOf.get(key);
    if (row === undefined) continue;
    rows.rowOf.delete(key);
    rows.dead[row] = 1;
    rows.live--;
    dropped.push(row);
  }
  return dropped;
}

/** A copy of every chunk of a knowledge base, `rows` in key order; null when too large to hold. */
export function buildCopy(rows: ChunkRow[], options: CopyOptions): MemoryCopy | null {
  const first = rows.find((row) => row.embedding);
  const dimensions = first?.embedding ? first.embedding.byteLength / 4 : 0;
  const usable = rows.filter((row) => row.embedding && row.embedding.byteLength === dimensions * 4);
  if (usable.length * dimensions > options.maxFloats) return null;
  const vectors: VectorRows = {
    ...newRows(room(usable.length)),
    dimensions,
    matrix: new Float32Array(room(usable.length) * dimensions),
  };
  for (const row of usable) {
    const bytes = row.embedding as Uint8Array;
    // Read the blob in place when it is aligned (a copy per row cost ~2 s at 100,000 chunks).
    vectors.matrix.set(
      bytes.byteOffset % 4 === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset, dimensions)
        : bytesToVector(bytes),
      vectors.count * dimensions,
    );
    push(vectors, Number(row.key), row.document_id);
  }
  requantize(vectors, options);
  if (!options.text) return { vectors };
  const text = {
    ...newRows(room(rows.length)),
    postings: buildTextPostings(rows.map((row) => row.content ?? "")),
  };
  for (const row of rows) push(text, Number(row.key), row.document_id);
  return { vectors, text };
}

/** Int8 codes from `quantizeFrom` live vectors on, as a fresh build would have them. */
function requantize(vectors: VectorRows, options: CopyOptions) {
  if (vectors.live < options.quantizeFrom) delete vectors.quantized;
  else if (!vectors.quantized) {
    const quantized = quantizeMatrix(
      vectors.matrix.subarray(0, vectors.count * vectors.dimensions),
      vectors.count,
      vectors.dimensions,
    );
    if (quantized) vectors.quantized = quantized;
  }
}

/**
 * Applies changed chunks to a copy: every touched key's row is removed, and the chunks whose
 * last change added them (`rows`, read after the log, key order) are appended. Applying the same
 * changes twice, or to a copy that already holds some of them, gives the same copy. False, with
 * the copy untouched, where a fresh build is needed instead: new vectors of another length (or
 * the first vectors), or more vectors than allowed.
 */
export function applyChanges(
  copy: MemoryCopy,
  changed: ChangedKeys,
  rows: ChunkRow[],
  options: CopyOptions,
): boolean {
  const { vectors, text } = copy;
  const embedded = rows.filter((row) => row.embedding);
  if (embedded.some((row) => (row.embedding as Uint8Array).byteLength !== vectors.dimensions * 4))
    return false;
  const held = [...changed.touched].filter((key) => vectors.rowOf.has(key)).length;
  if ((vectors.live - held + embedded.length) * vectors.dimensions > options.maxFloats) return false;

  drop(vectors, changed.touched);
  const { dimensions } = vectors;
  const start = vectors.count;
  vectors.matrix = reserve(vectors.matrix, start + embedded.length, dimensions);
  for (const row of embedded) {
    vectors.matrix.set(bytesToVector(row.embedding as Uint8Array), vectors.count * dimensions);
    push(vectors, Number(row.key), row.document_id);
  }
  vectors.quantized?.append(
    vectors.matrix.subarray(start * dimensions, vectors.count * dimensions),
    vectors.count - start,
  );
  requantize(vectors, options);
  if (text) {
    text.postings.remove(drop(text, changed.touched));
    text.postings.append(rows.map((row) => row.content ?? ""));
    for (const row of rows) push(text, Number(row.key), row.document_id);
  }
  return true;
}

/** Over a quarter of the rows held are removed ones: time for a fresh build (searches stay right meanwhile). */
export function wantsCompaction(copy: MemoryCopy): boolean {
  const dead = (of: Rows) => of.count - of.live > 16 && (of.count - of.live) * 4 > of.count;
  return dead(copy.vectors) || (copy.text !== undefined && dead(copy.text));
}
