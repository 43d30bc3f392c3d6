import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { queryWords } from "../analysis/analyzer.ts";
import { porterStem } from "../analysis/porter-stemmer.ts";
import { bytesToVector, normalize } from "../embedders/embedder.ts";
import type { ChunkIndex, IndexHit } from "../index/chunk-index.ts";

/** Most words a full-text query keeps. */
export const maxQueryWords = 16;

/**
 * The query's words worth a full-text search: words in more than half the knowledge base's
 * chunks add almost nothing to BM25 (IDF under ln 2) but make the engine rank most of the index,
 * so they are dropped (unless nothing else is left), and at most the 16 rarest are kept.
 */
export async function significantWords(
  index: ChunkIndex,
  knowledgeBaseId: string,
  query: string,
): Promise<string> {
  const candidates = queryWords(query).map((word) => ({ word, term: porterStem(word) }));
  if (candidates.length === 0) return query;
  const idf = await index.termIdf(knowledgeBaseId, [
    ...new Set(candidates.map((candidate) => candidate.term)),
  ]);
  const ranked = candidates
    .map((candidate) => ({ ...candidate, idf: idf.get(candidate.term) ?? 0 }))
    .sort((a, b) => b.idf - a.idf);
  const useful = ranked.filter((candidate) => candidate.idf >= Math.LN2);
  return (useful.length > 0 ? useful : ranked)
    .slice(0, maxQueryWords)
    .map((candidate) => candidate.word)
    .join(" ");
}

/** Full-text hits whose embeddings expand a hybrid query's vector. */
export const feedbackDocuments = 5;

/**
 * Pseudo-relevance feedback (Rocchio): the query vector plus the mean embedding of the best
 * full-text hits. The two modes then disagree less on what the query is about while the vector
 * side still finds chunks that share no word with the query; on Cranfield this is most of the
 * gain of hybrid over either mode (bench/knowledge-retrieval-quality.ts).
 */
export async function expandQuery(
  db: Kysely<Database>,
  vector: Float32Array,
  feedback: IndexHit[],
): Promise<Float32Array> {
  if (feedback.length === 0) return vector;
  const rows = await db
    .selectFrom("knowledge_chunks")
    .select("embedding")
    .where(
      "key",
      "in",
      feedback.map((hit) => hit.key),
    )
    .execute();
  const expanded = Float32Array.from(vector);
  for (const row of rows) {
    if (!row.embedding) continue;
    const embedding = bytesToVector(row.embedding);
    if (embedding.length !== expanded.length) continue;
    for (let index = 0; index < expanded.length; index++) {
      expanded[index] = (expanded[index] as number) + (embedding[index] as number) / feedback.length;
    }
  }
  return normalize(expanded);
}
