import { createHash } from "node:crypto";
import {
  type Database,
  type EventBus,
  type Logger,
  NexusError,
  newId,
  notFound,
  type Queue,
  type Store,
} from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import { createBuiltinEmbedder } from "./embedders/builtin-embedder.ts";
import type { EmbedContext, Embedder } from "./embedders/embedder.ts";
import { createGatewayEmbedder } from "./embedders/gateway-embedder.ts";
import type { ChunkIndex } from "./index/chunk-index.ts";
import { createChunkIndex } from "./index/create-chunk-index.ts";
import { countEditedChunk } from "./ingestion/fit-chunks.ts";
import { ingestionQueue, startIngestionWorker } from "./ingestion/ingestion-worker.ts";
import { contentHash } from "./ingestion/process-document.ts";
import { createWatchSupervisor } from "./ingestion/watch-supervisor.ts";
import type { KnowledgeMetrics } from "./knowledge-metrics.ts";
import { createRetriever, type KnowledgeRetriever } from "./retrieval/retrieve.ts";
import { documentColumns, documentOf, getDocument, type KnowledgeDocument } from "./store/document-store.ts";
import { getKnowledgeBase, type KnowledgeBase } from "./store/knowledge-base-store.ts";
import {
  createWatch,
  deleteWatch,
  type KnowledgeWatch,
  listWatches,
  type WatchFields,
} from "./store/watch-store.ts";

export { ingestionQueue };

export interface DocumentInput {
  name: string;
  data: Buffer;
  mimeType?: string;
  /** `text`, `file`, `url`, `folder` … */
  source: string;
  /** A URL or file path: a later document from the same source replaces this one's content. */
  sourceUri?: string;
  metadata?: Record<string, string | number | boolean>;
}

export interface KnowledgeServiceOptions {
  store: Pick<Store, "db" | "dialect">;
  queue: Queue;
  events: EventBus;
  gateway?: Pick<Gateway, "embed" | "rerank" | "generate" | "tokenize">;
  logger?: Logger;
  metrics?: KnowledgeMetrics;
  /** Largest original file accepted; default 50 MiB. */
  maxFileBytes?: number;
  /** Ingestion jobs run at once in this process; default 2. */
  concurrency?: number;
  /** Tries for a job whose embedder fails; default 3. */
  attempts?: number;
  /** Hosts that alert webhooks may reach on a private address. */
  allowedPrivateHosts?: readonly string[];
  /**
   * Whether `start()` runs the stored watched folders here (resuming them after a restart);
   * off for processes that do not serve ingestion. Default false.
   */
  resumeWatches?: boolean;
  /** A watch's lease: another process resumes a watch this long after its process died. Default 30 s. */
  watchLeaseMs?: number;
}

export interface KnowledgeService {
  readonly index: ChunkIndex;
  /** Search: the interface the workflow knowledge-retrieval node and chat agents call. */
  readonly retrieve: KnowledgeRetriever;
  embedderFor(knowledgeBase: KnowledgeBase): Embedder;
  /**
   * Stores a document and queues its ingestion. The same content again in the knowledge base
   * (or the same source unchanged) is not stored twice: `duplicate` says so.
   */
  addDocument(
    workspaceId: string,
    knowledgeBase: string,
    input: DocumentInput,
  ): Promise<{ document: KnowledgeDocument; duplicate: boolean }>;
  /** Queues a failed (or any) document to be indexed again. */
  retryDocument(workspaceId: string, documentId: string): Promise<KnowledgeDocument>;
  deleteDocument(workspaceId: string, documentId: string): Promise<void>;
  /** Deletes the document that came from a source (a watched file that was removed); false when there is none. */
  deleteDocumentBySource(workspaceId: string, knowledgeBase: string, sourceUri: string): Promise<boolean>;
  deleteKnowledgeBase(workspaceId: string, knowledgeBase: string): Promise<void>;
  /**
   * Replaces a chunk's text and re-embeds that chunk only. A text over the knowledge base's chunk
   * size in the embedding model's tokens is refused (400), as ingestion would have split it.
   */
  updateChunk(
    workspaceId: string,
    chunkId: string,
    content: string,
    context?: Partial<EmbedContext>,
  ): Promise<void>;
  /** Re-indexes every document of a knowledge base (after its embedder changed). */
  reindexKnowledgeBase(workspaceId: string, knowledgeBase: string): Promise<number>;
  /** Stores a watched folder; a process that resumes watches (this one, or another) starts it. */
  addWatch(workspaceId: string, knowledgeBase: string, fields: WatchFields): Promise<KnowledgeWatch>;
  listWatches(workspaceId: string, knowledgeBase: string): Promise<KnowledgeWatch[]>;
  /** Deletes a watch (its documents stay); the process running it stops it. */
  removeWatch(workspaceId: string, knowledgeBase: string, watchId: string): Promise<void>;
  /** Resolves once a watch running here has queued its first scan (at once when it runs elsewhere). */
  watchReady(watchId: string): Promise<void>;
  /** Starts this process's ingestion worker and, with `resumeWatches`, its watched folders. */
  start(): void;
  close(): Promise<void>;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A chunk's metadata less its previous token count (an edit counts again). */
function withoutCounts(metadata: Record<string, unknown>): Record<string, unknown> {
  const { tokens: _tokens, tokensEstimated: _estimated, ...rest } = metadata;
  return rest;
}

export async function createKnowledgeService(options: KnowledgeServiceOptions): Promise<KnowledgeService> {
  const db: Kysely<Database> = options.store.db;
  const index = await createChunkIndex(options.store);
  const builtin = createBuiltinEmbedder();
  const maxFileBytes = options.maxFileBytes ?? 50 * 1024 * 1024;
  const attempts = options.attempts ?? 3;
  const embedderFor = (base: KnowledgeBase): Embedder => {
    if (base.embeddingModel === "builtin") return builtin;
    if (!options.gateway)
      throw new NexusError("service_unavailable", "no gateway for the knowledge base's embedding model");
    return createGatewayEmbedder(options.gateway, base.embeddingModel);
  };
  const retrieve = createRetriever({
    db,
    index,
    embedderFor,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    onSearch: (bases, mode, seconds) => {
      for (const base of bases)
        options.metrics?.searchSeconds.observe({ knowledge_base: base, mode }, seconds);
    },
  });

  const enqueue = (documentId: string, hash: string, reembed = false) =>
    options.queue.enqueue(
      ingestionQueue,
      "ingest",
      { documentId, contentHash: hash, ...(reembed ? { reembed } : {}) },
      { attempts, backoff: { type: "exponential", delayMs: 1000 } },
    );

  async function markQueued(documentId: string) {
    await db
      .updateTable("knowledge_documents")
      .set({
        status: "queued",
        error: null,
        progress: JSON.stringify({ percent: 0, chunksDone: 0, chunksTotal: 0 }),
      })
      .where("id", "=", documentId)
      .execute();
  }

  async function removeChunksOf(
    executor: Kysely<Database>,
    knowledgeBaseId: string,
    column: "document_id" | "knowledge_base_id",
    id: string,
  ) {
    const keys = await executor.selectFrom("knowledge_chunks").select("key").where(column, "=", id).execute();
    await index.remove(
      executor,
      knowledgeBaseId,
      keys.map((row) => Number(row.key)),
    );
  }

  // Created here, started by start(): a service that only answers requests watches nothing.
  let watches: ReturnType<typeof createWatchSupervisor> | undefined;

  const service: KnowledgeService = {
    index,
    retrieve,
    embedderFor,

    async addDocument(workspaceId, knowledgeBase, input) {
      const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
      if (input.data.length > maxFileBytes) {
        throw new NexusError(
          "payload_too_large",
          `${input.name} is ${input.data.length} bytes; the limit is ${maxFileBytes}`,
        );
      }
      const hash = sha256(input.data);
      const now = new Date().toISOString();
      const sameSource = input.sourceUri
        ? await db
            .selectFrom("knowledge_documents")
            .select(documentColumns)
            .where("knowledge_base_id", "=", base.id)
            .where("source_uri", "=", input.sourceUri)
            .executeTakeFirst()
        : undefined;
      const sameContent =
        sameSource ??
        (await db
          .selectFrom("knowledge_documents")
          .select(documentColumns)
          .where("knowledge_base_id", "=", base.id)
          .where("content_hash", "=", hash)
          .executeTakeFirst());
      if (sameContent && sameContent.content_hash === hash)
        return { document: documentOf(sameContent), duplicate: true };
      if (sameSource) {
        await db.transaction().execute(async (transaction) => {
          await transaction
            .updateTable("knowledge_documents")
            .set({
              name: input.name,
              mime_type: input.mimeType ?? sameSource.mime_type,
              size_bytes: input.data.length,
              content_hash: hash,
              status: "queued",
              error: null,
              changed_at: now,
              updated_at: now,
              ...(input.metadata ? { metadata: JSON.stringify(input.metadata) } : {}),
            })
            .where("id", "=", sameSource.id)
            .execute();
          await transaction
            .updateTable("knowledge_files")
            .set({ data: input.data })
            .where("document_id", "=", sameSource.id)
            .execute();
        });
        await enqueue(sameSource.id, hash);
        return { document: await getDocument(db, workspaceId, sameSource.id), duplicate: false };
      }
      const id = newId("doc");
      await db.transaction().execute(async (transaction) => {
        await transaction
          .insertInto("knowledge_documents")
          .values({
            id,
            knowledge_base_id: base.id,
            workspace_id: workspaceId,
            name: input.name,
            source: input.source,
            source_uri: input.sourceUri ?? null,
            mime_type: input.mimeType ?? "application/octet-stream",
            size_bytes: input.data.length,
            content_hash: hash,
            status: "queued",
            error: null,
            version: 0,
            progress: JSON.stringify({ percent: 0, chunksDone: 0, chunksTotal: 0 }),
            metadata: JSON.stringify(input.metadata ?? {}),
            parsed_text: null,
            chunk_count: 0,
            changed_at: now,
            indexed_at: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await transaction
          .insertInto("knowledge_files")
          .values({ document_id: id, data: input.data })
          .execute();
      });
      await enqueue(id, hash);
      return { document: await getDocument(db, workspaceId, id), duplicate: false };
    },

    async retryDocument(workspaceId, documentId) {
      const document = await getDocument(db, workspaceId, documentId);
      await markQueued(document.id);
      // A fresh job: the failed one's id is taken.
      await enqueue(document.id, document.contentHash);
      return getDocument(db, workspaceId, document.id);
    },

    async deleteDocument(workspaceId, documentId) {
      const document = await getDocument(db, workspaceId, documentId);
      await db.transaction().execute(async (transaction) => {
        await removeChunksOf(transaction, document.knowledgeBaseId, "document_id", document.id);
        await transaction.deleteFrom("knowledge_documents").where("id", "=", document.id).execute();
      });
    },

    async deleteDocumentBySource(workspaceId, knowledgeBase, sourceUri) {
      const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
      const row = await db
        .selectFrom("knowledge_documents")
        .select("id")
        .where("knowledge_base_id", "=", base.id)
        .where("source_uri", "=", sourceUri)
        .executeTakeFirst();
      if (!row) return false;
      await service.deleteDocument(workspaceId, row.id);
      return true;
    },

    async deleteKnowledgeBase(workspaceId, knowledgeBase) {
      const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
      await db.transaction().execute(async (transaction) => {
        await removeChunksOf(transaction, base.id, "knowledge_base_id", base.id);
        await transaction.deleteFrom("knowledge_bases").where("id", "=", base.id).execute();
      });
    },

    async updateChunk(workspaceId, chunkId, content, context = {}) {
      const text = content.trim();
      if (!text)
        throw new NexusError("invalid_request", "a chunk's content must not be empty", { param: "content" });
      const chunk = await db
        .selectFrom("knowledge_chunks")
        .selectAll()
        .where("id", "=", chunkId)
        .where("workspace_id", "=", workspaceId)
        .executeTakeFirst();
      if (!chunk) throw notFound("chunk", chunkId);
      const base = await getKnowledgeBase(db, workspaceId, chunk.knowledge_base_id);
      const embedder = embedderFor(base);
      const embedContext = {
        workspaceId,
        apiKeyId: context.apiKeyId ?? null,
        signal: context.signal ?? AbortSignal.timeout(60_000),
      };
      const counted = await countEditedChunk(embedder, text, base.settings.chunking, embedContext);
      const { vectors, tokens } = await embedder.embedDocuments([text], embedContext);
      await db.transaction().execute(async (transaction) => {
        await index.remove(transaction, base.id, [Number(chunk.key)]);
        await index.insert(transaction, [
          {
            id: chunk.id,
            knowledgeBaseId: chunk.knowledge_base_id,
            workspaceId,
            documentId: chunk.document_id,
            position: chunk.position,
            content: text,
            contentHash: contentHash(text),
            parentContent: chunk.parent_content,
            page: chunk.page,
            metadata: { ...withoutCounts(JSON.parse(chunk.metadata)), ...counted },
            embedding: vectors[0] ?? null,
          },
        ]);
        await transaction
          .updateTable("knowledge_chunks")
          .set({ edited: 1, created_at: chunk.created_at })
          .where("id", "=", chunk.id)
          .execute();
        await transaction
          .updateTable("knowledge_bases")
          .set((eb) => ({ embedding_tokens: eb("embedding_tokens", "+", tokens) }))
          .where("id", "=", base.id)
          .execute();
      });
      options.metrics?.embeddingTokens.inc({ knowledge_base: base.id }, tokens);
    },

    async reindexKnowledgeBase(workspaceId, knowledgeBase) {
      const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
      // Old vectors are useless to a new embedder: drop them so every chunk is embedded again.
      await db.transaction().execute(async (transaction) => {
        await index.clearVectors(transaction, base.id);
        await transaction
          .updateTable("knowledge_bases")
          .set({ embedding_dimensions: null })
          .where("id", "=", base.id)
          .execute();
      });
      const documents = await db
        .selectFrom("knowledge_documents")
        .select(["id", "content_hash"])
        .where("knowledge_base_id", "=", base.id)
        .execute();
      for (const document of documents) {
        await markQueued(document.id);
        await enqueue(document.id, document.content_hash, true);
      }
      return documents.length;
    },

    async addWatch(workspaceId, knowledgeBase, fields) {
      const watch = await createWatch(db, workspaceId, knowledgeBase, fields);
      // Started here at once when this process runs watches; otherwise by one that does, on its next check.
      await watches?.check();
      const stored = await listWatches(db, workspaceId, watch.knowledgeBaseId);
      return stored.find((row) => row.id === watch.id) ?? watch;
    },

    listWatches: (workspaceId, knowledgeBase) => listWatches(db, workspaceId, knowledgeBase),

    async removeWatch(workspaceId, knowledgeBase, watchId) {
      await deleteWatch(db, workspaceId, knowledgeBase, watchId);
      await watches?.check();
    },

    watchReady: async (watchId) => watches?.ready(watchId),

    start() {
      if (options.resumeWatches && !watches) {
        watches = createWatchSupervisor({
          db,
          service,
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.watchLeaseMs ? { leaseMs: options.watchLeaseMs } : {}),
        });
        watches.start();
      }
      startIngestionWorker({
        db,
        index,
        queue: options.queue,
        events: options.events,
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.allowedPrivateHosts ? { allowedPrivateHosts: options.allowedPrivateHosts } : {}),
        embedderFor,
        attempts,
        concurrency: options.concurrency ?? 2,
      });
    },

    async close() {
      await watches?.close();
      await index.close();
    },
  };
  return service;
}
