import type { Database } from "@nexus/core";
import type { Kysely, Transaction } from "kysely";

/** A chunk as written to the index. */
export interface NewChunk {
  id: string;
  knowledgeBaseId: string;
  workspaceId: string;
  documentId: string;
  position: number;
  content: string;
  contentHash: string;
  parentContent: string | null;
  page: number | null;
  metadata: Record<string, unknown>;
  /** L2-normalised; null when the embedder failed for it (full-text still finds it). */
  embedding: Float32Array | null;
}

/** One ranked candidate: the chunk's integer key and the mode's own score (higher is better). */
export interface IndexHit {
  key: number;
  score: number;
}

/** Which chunks a search may return. */
export interface IndexScope {
  knowledgeBaseId: string;
  /** When set, only chunks of these documents (metadata filters resolve to this). */
  documentIds?: string[];
}

export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * The search index over chunks: full text and vectors. Two implementations share this contract
 * (index.contract.ts): SQLite (FTS5 with the Porter stemmer, vectors scored by sqlite-vec) and
 * PostgreSQL (an `english` tsvector with GIN; vectors by pgvector's HNSW where the database has
 * it, else an exact scan in this process).
 */
export interface ChunkIndex {
  readonly dialect: "sqlite" | "postgres";
  /** How vectors are searched: `sqlite-vec`, `pgvector`, or `exact-scan` (PostgreSQL without pgvector). */
  readonly vectorBackend: "sqlite-vec" | "pgvector" | "exact-scan";
  /** One line on the vector backend (on PostgreSQL: why pgvector is not used, when it is not). */
  readonly vectorDetail: string;
  /** Writes chunks, their full-text entries and their terms' document frequencies. Call inside a transaction. */
  insert(executor: Executor, chunks: NewChunk[]): Promise<void>;
  /** Removes chunks by key from every part of the index. Call inside a transaction. */
  remove(executor: Executor, knowledgeBaseId: string, keys: number[]): Promise<void>;
  /** Forgets a knowledge base's vectors (its embedder changed). Call inside a transaction. */
  clearVectors(executor: Executor, knowledgeBaseId: string): Promise<void>;
  /** Full-text candidates for a query, best first (BM25 on SQLite, ts_rank_cd on PostgreSQL). */
  searchFullText(scope: IndexScope, query: string, limit: number): Promise<IndexHit[]>;
  /** Nearest chunks by cosine similarity, best first. */
  searchVector(scope: IndexScope, vector: Float32Array, limit: number): Promise<IndexHit[]>;
  /**
   * Loads a knowledge base's in-memory search copy now and waits for it (otherwise a large one
   * loads in the background on the first search after a change, the database answering meanwhile).
   */
  warm(knowledgeBaseId: string): Promise<void>;
  /** IDF of analysed terms among a knowledge base's chunks. */
  termIdf(knowledgeBaseId: string, terms: string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}
