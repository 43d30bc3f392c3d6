import { z } from "zod";

/**
 * Reranking in the shape Cohere, Jina and vLLM share (`POST /v1/rerank`): score each document's
 * relevance to a query, best first. Documents come back unless `return_documents: false` (Jina's
 * and vLLM's default; Cohere's v1 API needed `true`).
 */

const rerankDocumentSchema = z.union([z.string(), z.object({ text: z.string() })], {
  error: "each document must be a string or an object with a string 'text'",
});

export const rerankRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    query: z.string().min(1, "must not be empty"),
    documents: z
      .array(rerankDocumentSchema)
      .min(1, "must hold at least one document")
      .max(10_000, "must hold at most 10000 documents"),
    /** How many results to return, best first; absent or 0 (vLLM's default): all of them. */
    top_n: z.number().int().nonnegative().optional(),
    return_documents: z.boolean().optional(),
  })
  // Unknown fields go on to the upstream (vLLM's truncate_prompt_tokens, Cohere's max_tokens_per_doc).
  .loose();

export type RerankRequest = z.infer<typeof rerankRequestSchema>;

export interface RerankResult {
  /** Position of the document in the request's `documents`. */
  index: number;
  relevance_score: number;
  document?: { text: string };
}

export interface RerankResponse {
  id: string;
  model: string;
  /** Best first. */
  results: RerankResult[];
  usage?: { total_tokens: number };
}

/** What we read from an upstream's rerank answer: lenient, only the fields we use. */
const upstreamRerankResponseSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  results: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      relevance_score: z.number(),
      document: z.object({ text: z.string().nullish() }).nullish(),
    }),
  ),
  usage: z.object({ total_tokens: z.number().nullish() }).nullish(),
});

/** The text of a request's document. */
export const rerankDocumentText = (document: RerankRequest["documents"][number]): string =>
  typeof document === "string" ? document : document.text;

/**
 * Puts scored documents in the served shape, whatever produced the scores: best first (ties
 * keep document order), cut to `top_n`, each with its document unless `return_documents: false`.
 */
export function rankedResults(
  request: RerankRequest,
  scores: Array<{ index: number; relevance_score: number }>,
): RerankResult[] {
  const sorted = [...scores].sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const limited = request.top_n ? sorted.slice(0, request.top_n) : sorted;
  return limited.map(({ index, relevance_score }) => {
    const document = request.documents[index];
    return request.return_documents === false || document === undefined
      ? { index, relevance_score }
      : { index, relevance_score, document: { text: rerankDocumentText(document) } };
  });
}

/**
 * An upstream's rerank answer (vLLM, Jina, Cohere) in the served shape, or undefined when it is
 * not a ranking of the request's documents. The upstream's document text wins (it may have
 * truncated it); the request's fills in where it sent none.
 */
export function rerankResponseOf(
  request: RerankRequest,
  answer: unknown,
  upstreamModel: string,
): RerankResponse | undefined {
  const parsed = upstreamRerankResponseSchema.safeParse(answer);
  if (!parsed.success) return undefined;
  const { data } = parsed;
  if (data.results.some((result) => result.index >= request.documents.length)) return undefined;
  const results = rankedResults(request, data.results);
  for (const result of results) {
    const sent = data.results.find((item) => item.index === result.index)?.document?.text;
    if (result.document && typeof sent === "string") result.document.text = sent;
  }
  const totalTokens = data.usage?.total_tokens;
  return {
    id: data.id ?? `rerank-${Date.now().toString(36)}`,
    model: data.model ?? upstreamModel,
    results,
    ...(typeof totalTokens === "number" ? { usage: { total_tokens: totalTokens } } : {}),
  };
}
