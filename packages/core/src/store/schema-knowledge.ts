import type { Generated } from "kysely";

/** A knowledge base: its embedder and its chunking and retrieval settings (migration 0010). */
export interface KnowledgeBaseTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  /** A gateway alias, or `builtin` for the weight-free hashed n-gram embedder. */
  embedding_model: string;
  /** Learnt from the first embedding; null until then. */
  embedding_dimensions: number | null;
  /** Chunking and retrieval defaults as JSON (packages/knowledge knowledgeSettingsSchema). */
  settings: string;
  /** Tokens the gateway reported for this knowledge base's embeddings. */
  embedding_tokens: number;
  /** Bumped in the same transaction as every change to the knowledge base's chunks (vector caches compare it). */
  index_version: number;
  /** Chunks in the knowledge base, kept with index_version (IDF needs it on every query). */
  chunk_count: number;
  created_at: string;
  updated_at: string;
}

export type KnowledgeDocumentStatus = "queued" | "processing" | "ready" | "failed" | "needs_ocr";

/** One document of a knowledge base; its original file is in `knowledge_files`. */
export interface KnowledgeDocumentTable {
  id: string;
  knowledge_base_id: string;
  workspace_id: string;
  name: string;
  /** `text`, `file`, `url`, `folder`. */
  source: string;
  /** The URL or watched file path it came from; updates to the same source replace the document. */
  source_uri: string | null;
  mime_type: string;
  size_bytes: number;
  /** SHA-256 (hex) of the original bytes. */
  content_hash: string;
  status: KnowledgeDocumentStatus;
  error: string | null;
  /** Bumped each time a new content is indexed. */
  version: number;
  /** JSON: { percent, chunksDone, chunksTotal }. */
  progress: string;
  /** JSON object of user metadata, usable in search filters. */
  metadata: string;
  parsed_text: string | null;
  chunk_count: number;
  /** When the content last changed (upload, file change); ingestion lag is indexed_at - changed_at. */
  changed_at: string;
  indexed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface KnowledgeFileTable {
  document_id: string;
  data: Uint8Array;
}

export interface KnowledgeChunkTable {
  key: Generated<number>;
  id: string;
  knowledge_base_id: string;
  workspace_id: string;
  document_id: string;
  position: number;
  /** What is indexed and retrieved (for parent-child, the small child chunk). */
  content: string;
  /** SHA-256 (hex) of `content`; unchanged chunks keep their embeddings across versions. */
  content_hash: string;
  /** For parent-child chunking: the larger text returned for a hit on this chunk. */
  parent_content: string | null;
  /** 1-based page of a PDF; null elsewhere. */
  page: number | null;
  /** JSON object: heading path, row number, QA question… */
  metadata: string;
  /** Little-endian float32s, L2-normalised. */
  embedding: Uint8Array | null;
  /** 1 when a person edited the chunk; re-processing the document replaces it all the same. */
  edited: number;
  created_at: string;
  updated_at: string;
}

/** How many chunks of a knowledge base hold an analysed term (built-in embedder's IDF). */
export interface KnowledgeTermTable {
  knowledge_base_id: string;
  term: string;
  df: number;
}

/** A folder that feeds a knowledge base; resumed at start by a process that serves ingestion. */
export interface KnowledgeWatchTable {
  id: string;
  workspace_id: string;
  knowledge_base_id: string;
  /** Absolute path on the server's machine. */
  folder: string;
  /** JSON: `{ debounceMs? }`. */
  options: string;
  /** The process watching it now, while `lease_until` (ISO time) has not passed. */
  owner_id: string | null;
  lease_until: string | null;
  created_at: string;
}

/** Tables of packages/knowledge (issue 7); part of `Database` in schema.ts. */
export interface KnowledgeTables {
  knowledge_bases: KnowledgeBaseTable;
  knowledge_documents: KnowledgeDocumentTable;
  knowledge_files: KnowledgeFileTable;
  knowledge_chunks: KnowledgeChunkTable;
  knowledge_terms: KnowledgeTermTable;
  knowledge_watches: KnowledgeWatchTable;
}
