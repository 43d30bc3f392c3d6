import type { TokenizeResponse } from "@nexus/gateway";

/** Who asks for embeddings, passed on to the gateway for routing, limits and usage. */
export interface EmbedContext {
  workspaceId: string;
  apiKeyId: string | null;
  signal: AbortSignal;
}

/** Inverse document frequency of analysed terms in the knowledge base being searched. */
export type TermIdf = (terms: string[]) => Promise<Map<string, number>>;

/**
 * Turns text into vectors. Two kinds: the built-in hashed n-gram embedder (no weights, works
 * offline from the first start) and any embedding model behind the gateway.
 */
export interface Embedder {
  /** `builtin`, or the gateway alias the knowledge base names. */
  readonly model: string;
  /** Embeds chunks for storage; every vector is L2-normalised. `tokens` is what the model counted. */
  embedDocuments(
    texts: string[],
    context: EmbedContext,
  ): Promise<{ vectors: Float32Array[]; tokens: number }>;
  /** Embeds a query; `idf` lets a lexical embedder weight rare terms (model embedders ignore it). */
  embedQuery(text: string, context: EmbedContext, idf: TermIdf): Promise<Float32Array>;
  /**
   * Tokens of each text as the model counts them (its tokenizer, through the gateway) with the
   * most one text may hold when known; `exact: false` when only estimated (the built-in embedder,
   * a model whose upstream has no tokenizer).
   */
  countTokens(texts: string[], context: EmbedContext): Promise<TokenCounts>;
}

/** Token counts of texts, in order (the gateway's tokenize answer without the model name). */
export type TokenCounts = Omit<TokenizeResponse, "model">;

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] as number) * scale;
  }
  return vector;
}

/** Little-endian float32 bytes, as stored in the embedding columns. */
export function vectorToBytes(vector: Float32Array): Buffer {
  // A Buffer: better-sqlite3 binds only Buffers as blobs (pg sends them as bytea).
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export function dot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) sum += (left[index] as number) * (right[index] as number);
  return sum;
}
