import { type Database, invalidRequest } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { EmbedContext, Embedder } from "../embedders/embedder.ts";
import type { ChunkIndex, IndexHit } from "../index/chunk-index.ts";
import type { SearchMode } from "../knowledge-settings.ts";
import { getKnowledgeBase, type KnowledgeBase } from "../store/knowledge-base-store.ts";
import { expandQuery, feedbackDocuments, significantWords } from "./query-shaping.ts";
import { reciprocalRankFusion } from "./reciprocal-rank-fusion.ts";
import { matchingDocumentIds, type RetrievalFilters } from "./retrieval-filters.ts";

export interface RetrieveRequest {
  workspaceId: string;
  /** Ids or names of the workspace's knowledge bases to search together. */
  knowledgeBaseIds: string[];
  query: string;
  /** Default: the first knowledge base's retrieval setting (hybrid unless changed). */
  mode?: SearchMode;
  topK?: number;
  /** Hits whose final score is below this are dropped. */
  scoreThreshold?: number;
  filters?: RetrievalFilters;
  /** A gateway alias that reranks the candidates; null turns off the knowledge base's default. */
  rerankModel?: string | null;
}

/** Where a hit comes from, for an answer's footnote and a link to the source text. */
export interface Citation {
  knowledgeBaseId: string;
  documentId: string;
  documentName: string;
  chunkId: string;
  /** 0-based position of the chunk in its document. */
  position: number;
  /** 1-based PDF page; null for other documents. */
  page: number | null;
}

export interface RetrievalHit {
  /** The chunk's text, or for parent-child chunking the parent's text. */
  content: string;
  /** The final score: cosine (vector), BM25 (full text), normalised RRF (hybrid) or the reranker's. */
  score: number;
  /** Each mode's own score and rank (1-based) where the chunk was a candidate of that mode. */
  scores: {
    vector?: { score: number; rank: number };
    fulltext?: { score: number; rank: number };
    hybrid?: number;
    rerank?: number;
  };
  citation: Citation;
  /** The chunk's metadata (heading path, row, QA question …). */
  metadata: Record<string, unknown>;
}

export interface RetrieveResult {
  hits: RetrievalHit[];
  mode: SearchMode;
  reranked: boolean;
  tookMs: number;
}

/** The knowledge-retrieval interface the workflow node and chat agents call. */
export type KnowledgeRetriever = (
  request: RetrieveRequest,
  context?: Partial<EmbedContext>,
) => Promise<RetrieveResult>;

export interface RetrieverDependencies {
  db: Kysely<Database>;
  index: ChunkIndex;
  embedderFor(knowledgeBase: KnowledgeBase): Embedder;
  gateway?: Pick<Gateway, "rerank">;
  /** Called after each search with its duration, for metrics. */
  onSearch?(knowledgeBaseIds: string[], mode: SearchMode, seconds: number): void;
}

interface Candidate {
  key: number;
  knowledgeBaseId: string;
  score: number;
}

/** Candidates each mode brings to fusion and reranking. */
const candidatesFor = (topK: number) => Math.max(topK * 4, 50);

export function createRetriever(dependencies: RetrieverDependencies): KnowledgeRetriever {
  const { db, index } = dependencies;
  return async (request, partialContext = {}) => {
    const started = performance.now();
    const query = request.query.trim();
    if (!query) throw invalidRequest("query must not be empty", "query");
    if (request.knowledgeBaseIds.length === 0)
      throw invalidRequest("name at least one knowledge base", "knowledgeBaseIds");
    const bases: KnowledgeBase[] = [];
    for (const id of new Set(request.knowledgeBaseIds))
      bases.push(await getKnowledgeBase(db, request.workspaceId, id));
    const defaults = (bases[0] as KnowledgeBase).settings.retrieval;
    const mode = request.mode ?? defaults.mode;
    const topK = request.topK ?? defaults.topK;
    const threshold = request.scoreThreshold ?? defaults.scoreThreshold;
    const rerankModel =
      request.rerankModel === null ? undefined : (request.rerankModel ?? defaults.rerankModel);
    const context: EmbedContext = {
      workspaceId: request.workspaceId,
      apiKeyId: partialContext.apiKeyId ?? null,
      signal: partialContext.signal ?? new AbortController().signal,
    };
    const limit = candidatesFor(topK);

    const vectorHits: Candidate[] = [];
    const textHits: Candidate[] = [];
    for (const base of bases) {
      const documentIds = await matchingDocumentIds(db, base.id, request.filters);
      const scope = { knowledgeBaseId: base.id, ...(documentIds ? { documentIds } : {}) };
      const tag = (hits: IndexHit[]) => hits.map((hit) => ({ ...hit, knowledgeBaseId: base.id }));
      const textOfBase =
        mode !== "vector"
          ? await index.searchFullText(scope, await significantWords(index, base.id, query), limit)
          : [];
      textHits.push(...tag(textOfBase));
      if (mode !== "fulltext") {
        const embedder = dependencies.embedderFor(base);
        let vector = await embedder.embedQuery(query, context, (terms) => index.termIdf(base.id, terms));
        if (mode === "hybrid") vector = await expandQuery(db, vector, textOfBase.slice(0, feedbackDocuments));
        vectorHits.push(...tag(await index.searchVector(scope, vector, limit)));
      }
    }
    const byScore = (a: Candidate, b: Candidate) => b.score - a.score || a.key - b.key;
    const vectorRanked = vectorHits.sort(byScore).slice(0, limit);
    const textRanked = textHits.sort(byScore).slice(0, limit);

    let ranked: Array<{ key: number; score: number }>;
    const fused =
      mode === "hybrid"
        ? reciprocalRankFusion([vectorRanked.map((hit) => hit.key), textRanked.map((hit) => hit.key)])
        : undefined;
    if (fused)
      ranked = [...fused]
        .map(([key, score]) => ({ key, score }))
        .sort((a, b) => b.score - a.score || a.key - b.key);
    else ranked = mode === "vector" ? vectorRanked : textRanked;

    let rerankScores: Map<number, number> | undefined;
    if (rerankModel && dependencies.gateway && ranked.length > 0) {
      const pool = ranked.slice(0, limit);
      const texts = await contentByKey(
        db,
        pool.map((hit) => hit.key),
      );
      const response = await dependencies.gateway.rerank(
        {
          model: rerankModel,
          query,
          documents: pool.map((hit) => texts.get(hit.key) ?? ""),
          return_documents: false,
        },
        context,
      );
      rerankScores = new Map(
        response.results.map((result) => [
          (pool[result.index] as { key: number }).key,
          result.relevance_score,
        ]),
      );
      ranked = pool
        .map((hit) => ({ key: hit.key, score: rerankScores?.get(hit.key) ?? 0 }))
        .sort((a, b) => b.score - a.score || a.key - b.key);
    }

    const chosen = ranked.filter((hit) => hit.score >= threshold).slice(0, topK);
    const hits = await hitsFor(db, chosen, { vectorRanked, textRanked, fused, rerankScores });
    const tookMs = performance.now() - started;
    dependencies.onSearch?.(
      bases.map((base) => base.id),
      mode,
      tookMs / 1000,
    );
    return { hits, mode, reranked: rerankScores !== undefined, tookMs };
  };
}

async function contentByKey(db: Kysely<Database>, keys: number[]): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom("knowledge_chunks")
    .select(["key", "content"])
    .where("key", "in", keys)
    .execute();
  return new Map(rows.map((row) => [Number(row.key), row.content]));
}

async function hitsFor(
  db: Kysely<Database>,
  chosen: Array<{ key: number; score: number }>,
  modes: {
    vectorRanked: Candidate[];
    textRanked: Candidate[];
    fused?: Map<number, number>;
    rerankScores?: Map<number, number>;
  },
): Promise<RetrievalHit[]> {
  if (chosen.length === 0) return [];
  const rows = await db
    .selectFrom("knowledge_chunks as chunks")
    .innerJoin("knowledge_documents as documents", "documents.id", "chunks.document_id")
    .select([
      "chunks.key",
      "chunks.id",
      "chunks.knowledge_base_id",
      "chunks.document_id",
      "chunks.position",
      "chunks.content",
      "chunks.parent_content",
      "chunks.page",
      "chunks.metadata",
      "documents.name as document_name",
    ])
    .where(
      "chunks.key",
      "in",
      chosen.map((hit) => hit.key),
    )
    .execute();
  const byKey = new Map(rows.map((row) => [Number(row.key), row]));
  const rankOf = (list: Candidate[], key: number) => {
    const index = list.findIndex((hit) => hit.key === key);
    return index < 0 ? undefined : { score: (list[index] as Candidate).score, rank: index + 1 };
  };
  const hits: RetrievalHit[] = [];
  for (const { key, score } of chosen) {
    const row = byKey.get(key);
    // Gone between ranking and reading (a document replaced meanwhile): skip it.
    if (!row) continue;
    const vector = rankOf(modes.vectorRanked, key);
    const fulltext = rankOf(modes.textRanked, key);
    hits.push({
      content: row.parent_content ?? row.content,
      score,
      scores: {
        ...(vector ? { vector } : {}),
        ...(fulltext ? { fulltext } : {}),
        ...(modes.fused?.has(key) ? { hybrid: modes.fused.get(key) } : {}),
        ...(modes.rerankScores?.has(key) ? { rerank: modes.rerankScores.get(key) } : {}),
      },
      citation: {
        knowledgeBaseId: row.knowledge_base_id,
        documentId: row.document_id,
        documentName: row.document_name,
        chunkId: row.id,
        position: row.position,
        page: row.page,
      },
      metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    });
  }
  return hits;
}
