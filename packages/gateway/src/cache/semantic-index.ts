import { dot } from "./embedding-vector.ts";

/** One cached answer's prompt vector. */
export interface IndexedVector {
  cacheKey: string;
  /** Scope key and embedding model: only vectors of one bucket are ever compared. */
  bucket: string;
  /** Unit length. */
  vector: Float32Array;
  createdAt: number;
  expiresAt: number;
}

export interface SemanticMatch {
  cacheKey: string;
  similarity: number;
}

export interface SemanticIndexOptions {
  /** A workspace's newest unexpired vectors, newest first, at most `limit`. */
  load(workspaceId: string, limit: number): Promise<IndexedVector[]>;
  now(): number;
  maxVectorsPerWorkspace: number;
  /** Workspaces held at once; the least recently used is dropped and loaded again when asked for. */
  maxWorkspaces: number;
  /** A workspace's vectors are reloaded from the store this long after the last load, to see other replicas' entries. */
  refreshMs: number;
}

/** Cosine similarity is computed in float32; an identical prompt must still reach a threshold of 1. */
const similaritySlack = 1e-5;
/** Candidates returned per search: the best is usually served, the rest cover rows gone meanwhile. */
const maxMatches = 3;

/** A workspace's vectors in age order (oldest first), bounded, grouped by bucket. */
class WorkspaceVectors {
  private readonly byKey = new Map<string, IndexedVector>();
  private readonly buckets = new Map<string, Map<string, IndexedVector>>();

  constructor(private readonly maxVectors: number) {}

  add(entry: IndexedVector): void {
    this.remove(entry.cacheKey);
    this.byKey.set(entry.cacheKey, entry);
    const bucket = this.buckets.get(entry.bucket) ?? new Map<string, IndexedVector>();
    this.buckets.set(entry.bucket, bucket);
    bucket.set(entry.cacheKey, entry);
    for (const oldest of this.byKey.keys()) {
      if (this.byKey.size <= this.maxVectors) break;
      this.remove(oldest);
    }
  }

  remove(cacheKey: string): void {
    const entry = this.byKey.get(cacheKey);
    if (!entry) return;
    this.byKey.delete(cacheKey);
    const bucket = this.buckets.get(entry.bucket);
    bucket?.delete(cacheKey);
    if (bucket?.size === 0) this.buckets.delete(entry.bucket);
  }

  search(bucketKey: string, query: Float32Array, threshold: number, now: number, createdAfter: number) {
    const matches: SemanticMatch[] = [];
    for (const entry of this.buckets.get(bucketKey)?.values() ?? []) {
      if (entry.expiresAt <= now) {
        this.remove(entry.cacheKey);
        continue;
      }
      if (entry.createdAt <= createdAfter || entry.vector.length !== query.length) continue;
      const similarity = dot(entry.vector, query);
      if (similarity >= threshold - similaritySlack) {
        matches.push({ cacheKey: entry.cacheKey, similarity: Math.min(1, similarity) });
      }
    }
    return matches.sort((a, b) => b.similarity - a.similarity).slice(0, maxMatches);
  }
}

interface WorkspaceRecord {
  vectors: WorkspaceVectors;
  loadedAt: number;
  loading?: Promise<void>;
  /** Vectors added while a load runs, applied on top of what it read. */
  addedDuringLoad?: IndexedVector[];
}

/**
 * Per-workspace in-memory vectors of cached prompts, loaded lazily from the store and kept in
 * step with this process's writes, so a semantic lookup is a scan of one bucket in memory
 * rather than of the table. Bounded in vectors per workspace and in workspaces.
 */
export class SemanticIndex {
  private readonly records = new Map<string, WorkspaceRecord>();

  constructor(private readonly options: SemanticIndexOptions) {}

  /** The most similar unexpired vectors of the bucket at or above `threshold`, best first. */
  async search(
    workspaceId: string,
    bucket: string,
    query: Float32Array,
    threshold: number,
    createdAfter: number,
  ): Promise<SemanticMatch[]> {
    const vectors = await this.ready(workspaceId);
    return vectors.search(bucket, query, threshold, this.options.now(), createdAfter);
  }

  /** Records a stored vector; a workspace not held now picks it up from the store when loaded. */
  add(workspaceId: string, entry: IndexedVector): void {
    const record = this.records.get(workspaceId);
    if (!record) return;
    record.vectors.add(entry);
    record.addedDuringLoad?.push(entry);
  }

  remove(workspaceId: string, cacheKey: string): void {
    this.records.get(workspaceId)?.vectors.remove(cacheKey);
  }

  /** Drops every held workspace; each is loaded again on its next search. */
  clear(): void {
    this.records.clear();
  }

  private async ready(workspaceId: string): Promise<WorkspaceVectors> {
    let record = this.records.get(workspaceId);
    if (record) {
      // Map order is recency order: re-inserting marks the workspace as just used.
      this.records.delete(workspaceId);
      this.records.set(workspaceId, record);
    } else {
      record = { vectors: new WorkspaceVectors(this.options.maxVectorsPerWorkspace), loadedAt: -Infinity };
      this.records.set(workspaceId, record);
      for (const held of this.records.keys()) {
        if (this.records.size <= this.options.maxWorkspaces) break;
        this.records.delete(held);
      }
    }
    if (!record.loading && this.options.now() - record.loadedAt >= this.options.refreshMs) {
      record.loading = this.reload(workspaceId, record);
    }
    await record.loading;
    return record.vectors;
  }

  private async reload(workspaceId: string, record: WorkspaceRecord): Promise<void> {
    record.addedDuringLoad = [];
    try {
      const newestFirst = await this.options.load(workspaceId, this.options.maxVectorsPerWorkspace);
      const vectors = new WorkspaceVectors(this.options.maxVectorsPerWorkspace);
      for (const entry of newestFirst.reverse()) vectors.add(entry);
      for (const entry of record.addedDuringLoad) vectors.add(entry);
      record.vectors = vectors;
      record.loadedAt = this.options.now();
    } finally {
      record.loading = undefined;
      record.addedDuringLoad = undefined;
    }
  }
}
