import { randomUUID } from "node:crypto";
import type { EmbeddingRequest, EmbeddingResponse } from "./protocol/openai-chat.ts";
import {
  type RerankRequest,
  type RerankResponse,
  rankedResults,
  rerankDocumentText,
} from "./protocol/rerank.ts";
import { ProviderError } from "./providers/provider-error.ts";

/** Embeds texts with the reranking model (any embedding call: a provider's doEmbed, the gateway's embed). */
export type EmbedTexts = (request: EmbeddingRequest) => Promise<EmbeddingResponse>;

// OpenAI's (and our schema's) limit on inputs per embeddings request.
const maxInputsPerRequest = 2048;

/**
 * Reranks with an embedding model, for upstreams that embed but cannot rerank: each document
 * scores the cosine similarity of its embedding to the query's, best first, cut to `top_n`. A
 * cross-encoder ranks better; this is the fallback the issue asks for, and what the local
 * provider does.
 *
 * @example
 * const ranked = await rerankByEmbeddings(
 *   (embedding) => provider.doEmbed!(embedding, { model: "nomic-embed", signal }),
 *   { model: "nomic-embed", query: "capital of France", documents: ["Paris is…", "Bananas…"] },
 * );
 */
export async function rerankByEmbeddings(embed: EmbedTexts, request: RerankRequest): Promise<RerankResponse> {
  const texts = [request.query, ...request.documents.map(rerankDocumentText)];
  const vectors: Float64Array[] = [];
  let totalTokens = 0;
  for (let start = 0; start < texts.length; start += maxInputsPerRequest) {
    const input = texts.slice(start, start + maxInputsPerRequest);
    const answer = await embed({ model: request.model, input, encoding_format: "float" });
    const data = [...(answer.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== input.length) {
      throw new ProviderError(
        `The embedding model '${request.model}' returned ${data.length} embeddings for ${input.length} texts`,
        { status: 502, type: "server_error", code: "upstream_invalid_response", retryable: true },
      );
    }
    for (const item of data) vectors.push(toVector(item.embedding));
    totalTokens += answer.usage?.total_tokens ?? 0;
  }
  const [query, ...documents] = vectors as [Float64Array, ...Float64Array[]];
  const scores = documents.map((document, index) => ({
    index,
    relevance_score: cosineSimilarity(query, document),
  }));
  return {
    id: `rerank-${randomUUID()}`,
    model: request.model,
    results: rankedResults(request, scores),
    usage: { total_tokens: totalTokens },
  };
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros or their lengths differ. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as number;
    const y = b[index] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** An embedding as floats; base64 is OpenAI's little-endian float32 encoding. */
function toVector(embedding: number[] | string): Float64Array {
  if (typeof embedding !== "string") return Float64Array.from(embedding);
  const bytes = Buffer.from(embedding, "base64");
  const vector = new Float64Array(Math.floor(bytes.length / 4));
  for (let index = 0; index < vector.length; index++) vector[index] = bytes.readFloatLE(index * 4);
  return vector;
}
