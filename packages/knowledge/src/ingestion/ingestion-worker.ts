import type { Database, EventBus, Logger, Queue } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { Embedder } from "../embedders/embedder.ts";
import type { ChunkIndex } from "../index/chunk-index.ts";
import type { KnowledgeMetrics } from "../knowledge-metrics.ts";
import { createIngestionAlerts } from "../monitoring/ingestion-alerts.ts";
import type { KnowledgeBase } from "../store/knowledge-base-store.ts";
import { type DocumentProgressEvent, documentProgressTopic } from "./knowledge-events.ts";
import { processDocument } from "./process-document.ts";

/** The queue ingestion jobs run on. */
export const ingestionQueue = "knowledge-ingestion";

export interface IngestionWorkerOptions {
  db: Kysely<Database>;
  index: ChunkIndex;
  queue: Queue;
  events: EventBus;
  gateway?: Pick<Gateway, "generate">;
  logger?: Logger;
  metrics?: KnowledgeMetrics;
  allowedPrivateHosts?: readonly string[];
  embedderFor(knowledgeBase: KnowledgeBase): Embedder;
  /** Tries per job; the last failure marks the document failed. */
  attempts: number;
  concurrency: number;
}

/**
 * Takes ingestion jobs from the queue: each indexes one version of a document. Records metrics,
 * fires alert rules, and turns a try that threw into a status the document's owner can read.
 */
export function startIngestionWorker(options: IngestionWorkerOptions): void {
  const { db } = options;
  const alerts = createIngestionAlerts({
    db,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.allowedPrivateHosts ? { allowedPrivateHosts: options.allowedPrivateHosts } : {}),
  });

  async function alertFailure(documentId: string) {
    const row = await db
      .selectFrom("knowledge_documents")
      .select("knowledge_base_id")
      .where("id", "=", documentId)
      .executeTakeFirst();
    if (row) await alerts.failed(row.knowledge_base_id);
  }

  /** A try that threw (the embedder failing): queued again with its reason, or failed after the last try. */
  async function recordFailure(
    job: { documentId: string; contentHash: string },
    error: unknown,
    final: boolean,
  ) {
    const message = `indexing failed: ${(error as Error).message}`;
    options.logger?.warn({ err: error, documentId: job.documentId, final }, "knowledge ingestion failed");
    const document = await db
      .updateTable("knowledge_documents")
      .set({ status: final ? "failed" : "queued", error: final ? message : `${message} (trying again)` })
      .where("id", "=", job.documentId)
      .where("content_hash", "=", job.contentHash)
      .returning(["workspace_id", "knowledge_base_id", "version"])
      .executeTakeFirst();
    if (!document) return;
    await options.events.publish(documentProgressTopic, {
      workspaceId: document.workspace_id,
      knowledgeBaseId: document.knowledge_base_id,
      documentId: job.documentId,
      status: final ? "failed" : "queued",
      percent: 0,
      chunksDone: 0,
      chunksTotal: 0,
      error: message,
      version: Number(document.version),
    } satisfies DocumentProgressEvent);
    if (final) await alerts.failed(document.knowledge_base_id);
  }

  options.queue.process<{ documentId: string; contentHash: string; reembed?: boolean }>(
    ingestionQueue,
    async (job) => {
      try {
        const status = await processDocument(
          {
            db,
            index: options.index,
            events: options.events,
            ...(options.gateway ? { gateway: options.gateway } : {}),
            embedderFor: options.embedderFor,
            onIndexed: (knowledgeBaseId, lagSeconds, tokens) => {
              options.metrics?.ingestionLagSeconds.observe({ knowledge_base: knowledgeBaseId }, lagSeconds);
              options.metrics?.embeddingTokens.inc({ knowledge_base: knowledgeBaseId }, tokens);
              void alerts.indexed(knowledgeBaseId, lagSeconds);
            },
          },
          job.data,
        );
        if (status === "failed") await alertFailure(job.data.documentId);
        return status;
      } catch (error) {
        await recordFailure(job.data, error, job.attempt >= options.attempts);
        throw error;
      }
    },
    { concurrency: options.concurrency },
  );
}
