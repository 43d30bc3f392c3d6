// Knowledge bases: ingestion, index and retrieval (issue 7).
export * from "./analysis/analyzer.ts";
export * from "./chunkers/chunker.ts";
export { chunkers } from "./chunkers/chunker-registry.ts";
export { createBuiltinEmbedder } from "./embedders/builtin-embedder.ts";
export type { EmbedContext, Embedder } from "./embedders/embedder.ts";
export { createGatewayEmbedder } from "./embedders/gateway-embedder.ts";
export type { ChunkIndex, IndexHit, NewChunk } from "./index/chunk-index.ts";
export { createChunkIndex } from "./index/create-chunk-index.ts";
export {
  type PgvectorReport,
  type PgvectorStatus,
  pgvectorReport,
  pgvectorStatus,
} from "./index/pgvector-status.ts";
export * from "./ingestion/knowledge-events.ts";
export * from "./ingestion/url-import.ts";
export * from "./ingestion/watch-supervisor.ts";
export * from "./ingestion/watched-folder.ts";
export * from "./knowledge-metrics.ts";
export * from "./knowledge-service.ts";
export * from "./knowledge-settings.ts";
export { DocumentError, type DocumentParser, type ParsedDocument } from "./parsers/document-parser.ts";
export { documentParsers, parseDocument, parserFor } from "./parsers/parser-registry.ts";
export { reciprocalRankFusion } from "./retrieval/reciprocal-rank-fusion.ts";
export * from "./retrieval/retrieval-filters.ts";
export * from "./retrieval/retrieve.ts";
export * from "./store/document-store.ts";
export * from "./store/knowledge-base-store.ts";
export * from "./store/watch-store.ts";
