import {
  createEventBus,
  createQueue,
  type EventBus,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Queue,
  type Store,
} from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { createKnowledgeService, type KnowledgeService } from "../knowledge-service.ts";
import { getDocument, type KnowledgeDocument } from "../store/document-store.ts";
import { startPgliteServer } from "./pglite-server.ts";

/** `pgvector`: PostgreSQL 18 with pgvector 0.8 in PGlite, over the wire protocol (pglite-server.ts). */
export type TestStoreKind = "sqlite" | "postgres" | "pgvector";

/** Store options for a fresh database of the given kind, and a function that removes it. */
export async function freshKnowledgeStore(kind: TestStoreKind) {
  if (kind !== "pgvector") return freshStoreOptions(kind);
  const server = await startPgliteServer();
  return {
    options: { kind: "postgres" as const, url: server.url, poolSize: 1 },
    drop: () => server.stop(),
  };
}

export interface TestKnowledge {
  store: Store;
  queue: Queue;
  events: EventBus;
  service: KnowledgeService;
  /** Ids of two default workspaces, for isolation tests. */
  workspaceId: string;
  otherWorkspaceId: string;
  /** Polls until the document leaves queued/processing (or reaches `status`). */
  settle(documentId: string, status?: string, timeoutMs?: number): Promise<KnowledgeDocument>;
  close(): Promise<void>;
}

/** A real store (SQLite file, PostgreSQL schema or PGlite with pgvector), the local queue and event bus, and a started service. */
export async function startTestKnowledge(
  kind: TestStoreKind,
  options: {
    gateway?: Pick<Gateway, "embed" | "rerank" | "generate" | "tokenize">;
    attempts?: number;
    allowedPrivateHosts?: string[];
  } = {},
): Promise<TestKnowledge> {
  const database = await freshKnowledgeStore(kind);
  const store = await openStore(database.options);
  await ensureDefaultWorkspaces(store.db);
  const queue = await createQueue({ store, pollIntervalMs: 50, onError: () => {} });
  const events = await createEventBus();
  const service = await createKnowledgeService({
    store,
    queue,
    events,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    attempts: options.attempts ?? 2,
    ...(options.allowedPrivateHosts ? { allowedPrivateHosts: options.allowedPrivateHosts } : {}),
  });
  service.start();
  const workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
  const otherWorkspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
  return {
    store,
    queue,
    events,
    service,
    workspaceId,
    otherWorkspaceId,
    settle: async (documentId, status, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const document = await getDocument(store.db, workspaceId, documentId);
        const settled = status
          ? document.status === status
          : document.status !== "queued" && document.status !== "processing";
        if (settled) return document;
        if (Date.now() > deadline)
          throw new Error(`document ${documentId} stayed ${document.status} (${document.error ?? ""})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: async () => {
      await queue.close(2000);
      await service.close();
      await events.close();
      await store.close();
      await database.drop();
    },
  };
}
