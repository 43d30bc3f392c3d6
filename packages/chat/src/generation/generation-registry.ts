import {
  type ChatMessageTable,
  type Database,
  type EventBus,
  type Logger,
  NexusError,
  newId,
  notFound,
} from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { ConversationRow } from "../conversations/conversation-access.ts";
import { branchOf, buildTree } from "../conversations/message-tree.ts";
import type { KnowledgeSearch } from "../knowledge/knowledge-grounding.ts";
import type { ChatTool } from "../tools/chat-tool.ts";
import { builtInTools } from "../tools/registry.ts";
import {
  findOrphanedGenerations,
  finishOrphanedGeneration,
  interruptedError,
} from "./abandoned-generations.ts";
import { AsyncQueue } from "./async-queue.ts";
import {
  type GenerationEvent,
  type GenerationSnapshot,
  messageEventsTopic,
  type StopGenerationRequest,
  stopGenerationTopic,
} from "./generation-events.ts";
import { GenerationRun } from "./generation-run.ts";
import { type GenerationSettings, loadGenerationSettings } from "./generation-settings.ts";
import { MessageWriter } from "./message-writer.ts";
import { buildPrompt } from "./prompt-builder.ts";
import { runGeneration } from "./run-generation.ts";
import { type FollowedGeneration, followStoredGeneration } from "./stored-generation-follower.ts";

/**
 * The branch ending at `leafId`, root first, with what the prompt needs of each message, among
 * the stored messages and `unstored` ones (about to be stored).
 */
async function branchTo(
  db: Kysely<Database>,
  conversationId: string,
  leafId: string,
  unstored: readonly ChatMessageTable[],
) {
  const rows = await db
    .selectFrom("chat_messages")
    .select(["id", "parent_id", "created_at", "role", "content", "parts", "status"])
    .where("conversation_id", "=", conversationId)
    .execute();
  return branchOf(buildTree([...rows, ...unstored]), leafId);
}

export interface GenerationRegistryOptions {
  db: Kysely<Database>;
  gateway: Pick<Gateway, "stream">;
  events: EventBus;
  logger?: Pick<Logger, "warn" | "error">;
  /** Tools agents may name; default the built-ins. */
  tools?: Readonly<Record<string, ChatTool>>;
  /** Hosts every agent's `fetch_page` may read (the instance's list), besides the agent's own. */
  fetchAllowedHosts?: readonly string[];
  /** Searches the workspace's knowledge bases for agents that use them. */
  knowledge?: KnowledgeSearch;
  /** Throttle of content writes. Default 250 ms. */
  persistIntervalMs?: number;
  /** A running generation's row is touched this often. Default 10 s. */
  heartbeatMs?: number;
  /** A generating row untouched this long belongs to a dead process. Default 30 s. */
  staleAfterMs?: number;
  /** How long a stop waits for another replica to act before finishing the row itself. Default 3 s. */
  remoteStopWaitMs?: number;
  /** How long shutdown waits for running generations to store their final state. Default 5 s. */
  shutdownWaitMs?: number;
}

export interface StartGenerationInput {
  conversation: ConversationRow;
  /** The message to answer; the prompt is its branch, root first. */
  parentMessage: { id: string };
  /** Who asked, for the gateway's limits and usage. */
  caller: { apiKeyId: string | null; requestId?: string };
  /** Already loaded by the caller (to fail before writing anything); loaded when absent. */
  settings?: GenerationSettings;
  /** The branch the reply answers, root first, ending with `parentMessage`, when the caller has it. */
  branch?: ReadonlyArray<Parameters<typeof buildPrompt>[1][number]>;
  /**
   * Rows stored in the reply's transaction, before its row: the user message of a turn. Like the
   * reply's row, they are committed before this returns.
   */
  storeFirst?: readonly ChatMessageTable[];
}

/**
 * The generations this process runs. A generation belongs to the server, not to the HTTP
 * request that started it: it has its own AbortController, keeps going when the client leaves,
 * stores its progress in the message row and publishes each delta in-process and on core.events
 * (`chat.message.<id>`), so a client reconnecting to any replica resumes it.
 */
export interface GenerationRegistry {
  /** Listens for stops from other replicas and finishes generations a dead process left behind. */
  start(): Promise<void>;
  /** Inserts the assistant message (generating), makes it the active leaf and starts generating it. */
  startGeneration(input: StartGenerationInput): Promise<ChatMessageTable>;
  /** A snapshot of the message and its events from then on; undefined for an unknown message. */
  follow(messageId: string): Promise<FollowedGeneration | undefined>;
  /** Stops a generation on whichever replica runs it; resolves once the row is final. */
  stop(messageId: string): Promise<void>;
  isRunning(messageId: string): boolean;
  /** What a reply running in this process holds right now (the stored row lags by up to a write interval). */
  live(messageId: string): GenerationSnapshot | undefined;
  /** Stops every running generation (they end `stopped`, their content kept) and stops listening. */
  shutdown(): Promise<void>;
}

export function createGenerationRegistry(options: GenerationRegistryOptions): GenerationRegistry {
  const { db, events, gateway } = options;
  const tools = options.tools ?? builtInTools;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const runs = new Map<string, GenerationRun>();
  let stopListening: (() => Promise<void>) | undefined;
  let closing = false;

  const publisherOf = (messageId: string) => (event: GenerationEvent) => {
    events.publish(messageEventsTopic(messageId), event).catch((error) => {
      options.logger?.warn({ err: error, messageId }, "could not publish a chat generation event");
    });
  };

  const finishOrphan = (messageId: string) =>
    finishOrphanedGeneration(db, events, messageId, "failed", interruptedError);

  async function follow(messageId: string): Promise<FollowedGeneration | undefined> {
    const run = runs.get(messageId);
    // Ending here: once its row is final, the stored message is the whole answer.
    if (run && run.status !== "generating") await run.finished;
    if (run?.status !== "generating") {
      return followStoredGeneration({
        db,
        events,
        messageId,
        staleAfterMs,
        onStale: finishOrphan,
        onError: (error) => options.logger?.warn({ err: error, messageId }, "following a reply failed"),
      });
    }
    const queue = new AsyncQueue<GenerationEvent>();
    const stopFollowing = run.listen((event) => {
      queue.push(event);
      if (event.type === "done") queue.end();
    });
    return {
      snapshot: run.snapshot(),
      events: queue,
      close: async () => {
        stopFollowing();
        queue.end();
      },
    };
  }

  let shuttingDown: Promise<void> | undefined;

  return {
    async start() {
      stopListening = await events.subscribe<StopGenerationRequest>(stopGenerationTopic, (event) => {
        runs.get(event.payload.messageId)?.stop("stop");
      });
      // Without Redis this is the only process: whatever is generating was left by a previous one.
      const olderThan = events.kind === "local" ? undefined : new Date(Date.now() - staleAfterMs);
      for (const id of await findOrphanedGenerations(db, runs, olderThan)) await finishOrphan(id);
    },

    async startGeneration({
      conversation,
      parentMessage,
      caller,
      settings: given,
      branch: known,
      storeFirst = [],
    }) {
      if (closing) throw new NexusError("service_unavailable", "The server is shutting down");
      const settings = given ?? (await loadGenerationSettings(db, conversation));
      const branch = known ?? (await branchTo(db, conversation.id, parentMessage.id, storeFirst));
      if (branch.length === 0) throw notFound("Message", parentMessage.id);
      const now = new Date().toISOString();
      const row: ChatMessageTable = {
        id: newId("msg"),
        conversation_id: conversation.id,
        workspace_id: conversation.workspace_id,
        parent_id: parentMessage.id,
        role: "assistant",
        content: "",
        parts: "[]",
        status: "generating",
        error: null,
        model: settings.model,
        usage: null,
        created_at: now,
        updated_at: now,
      };
      // The model is called first and the rows are written while it answers, in one transaction
      // committed before this returns: before anyone learns the reply's id or gets any of it. Every
      // write of the reply's progress waits for it.
      const stored = db.transaction().execute(async (transaction) => {
        await transaction
          .insertInto("chat_messages")
          .values([...storeFirst, row])
          .execute();
        await transaction
          .updateTable("chat_conversations")
          .set({ active_leaf_id: row.id, updated_at: now })
          .where("id", "=", conversation.id)
          .execute();
      });
      const run = new GenerationRun(row.id, conversation.id, publisherOf(row.id));
      runs.set(row.id, run);
      const writer = new MessageWriter(db, run, {
        intervalMs: options.persistIntervalMs,
        heartbeatMs: options.heartbeatMs,
        after: stored,
        onError: (error) => options.logger?.warn({ err: error, messageId: row.id }, "storing a reply failed"),
      });
      const offered = Object.fromEntries(
        settings.tools.flatMap((name) => (tools[name] ? [[name, tools[name]] as const] : [])),
      );
      void runGeneration(
        run,
        {
          model: settings.model,
          params: settings.params,
          prompt: buildPrompt(settings.systemPrompt, branch),
          tools: offered,
          fetchAllowedHosts: [...(options.fetchAllowedHosts ?? []), ...settings.fetchAllowedHosts],
          knowledgeBases: settings.knowledgeBases,
        },
        {
          gateway,
          writer,
          context: {
            workspaceId: conversation.workspace_id,
            apiKeyId: caller.apiKeyId,
            requestId: caller.requestId,
          },
          now: () => new Date(),
          ...(options.knowledge ? { knowledge: options.knowledge } : {}),
          onUnexpectedError: (error) =>
            options.logger?.error({ err: error, messageId: row.id }, "a chat generation failed"),
        },
      ).finally(() => runs.delete(row.id));
      try {
        await stored;
      } catch (error) {
        // No row, no reply: the model call stops, and the caller hears why.
        run.stop("stop");
        throw error;
      }
      return row;
    },

    follow,

    async stop(messageId) {
      const run = runs.get(messageId);
      if (run) {
        run.stop("stop");
        return run.finished;
      }
      const row = await db
        .selectFrom("chat_messages")
        .select("status")
        .where("id", "=", messageId)
        .executeTakeFirst();
      if (row?.status !== "generating") return;
      if (events.kind === "redis") {
        // Another replica may be running it: ask, and wait for its `done`.
        let settle!: () => void;
        const done = new Promise<void>((resolve) => {
          settle = resolve;
        });
        const stopWaiting = await events.subscribe<GenerationEvent>(
          messageEventsTopic(messageId),
          (event) => {
            if (event.payload.type === "done") settle();
          },
        );
        try {
          await events.publish(stopGenerationTopic, { messageId } satisfies StopGenerationRequest);
          const timeout = new Promise<void>((resolve) =>
            setTimeout(resolve, options.remoteStopWaitMs ?? 3_000).unref(),
          );
          await Promise.race([done, timeout]);
        } finally {
          await stopWaiting();
        }
      }
      // Nobody answered: its process is gone; keep what it stored.
      await finishOrphanedGeneration(db, events, messageId, "stopped", null);
    },

    isRunning: (messageId) => runs.has(messageId),
    live(messageId) {
      const run = runs.get(messageId);
      return run?.status === "generating" ? run.snapshot() : undefined;
    },

    shutdown() {
      // Both the chat API and the widget end their streams after it; the second call waits on the first.
      shuttingDown ??= (async () => {
        closing = true;
        await stopListening?.().catch(() => {});
        const running = [...runs.values()];
        for (const run of running) run.stop("shutdown");
        const wait = new Promise<void>((resolve) =>
          setTimeout(resolve, options.shutdownWaitMs ?? 5_000).unref(),
        );
        await Promise.race([Promise.all(running.map((run) => run.finished)), wait]);
      })();
      return shuttingDown;
    },
  };
}
