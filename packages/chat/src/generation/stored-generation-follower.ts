import type { ChatMessageTable, Database, EventBus } from "@nexus/core";
import type { Kysely } from "kysely";
import { parseParts } from "../conversations/message-part.ts";
import { AsyncQueue } from "./async-queue.ts";
import {
  type GenerationError,
  type GenerationEvent,
  type GenerationSnapshot,
  messageEventsTopic,
} from "./generation-events.ts";

/** A generation followed from a snapshot on: its events end after `done`. */
export interface FollowedGeneration {
  snapshot: GenerationSnapshot;
  /** What happens after the snapshot, ending with `done` (at once when the message is already final). */
  events: AsyncIterable<GenerationEvent>;
  /** Stops following; the generation goes on. */
  close(): Promise<void>;
}

type StoredMessage = Pick<ChatMessageTable, "content" | "parts" | "status" | "error" | "updated_at">;

export interface StoredFollowOptions {
  db: Kysely<Database>;
  events: EventBus;
  messageId: string;
  /** How often the row is read while no event comes (a lost event, a dead replica). Default 5 s. */
  pollIntervalMs?: number;
  /** How long to wait for the row to catch up with an event ahead of it. Default 100 ms. */
  catchUpDelayMs?: number;
  /** Called with a generating row whose heartbeat stopped; resolves once it is marked failed. */
  onStale?(messageId: string, row: StoredMessage): Promise<boolean>;
  /** Rows older than this while generating count as abandoned. */
  staleAfterMs: number;
  onError?(error: unknown): void;
}

/**
 * Follows a generation running in another process: listens to its events on core.events first,
 * then reads the stored row for the snapshot. Events carry offsets, so what the snapshot already
 * holds is skipped; an event ahead of what is known (sent before the listening began and not yet
 * stored) makes the follower read the row until it has caught up. Undefined for an unknown message.
 */
export async function followStoredGeneration(
  options: StoredFollowOptions,
): Promise<FollowedGeneration | undefined> {
  const { db, messageId } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const catchUpDelayMs = options.catchUpDelayMs ?? 100;
  const queue = new AsyncQueue<GenerationEvent>();
  const early: GenerationEvent[] = [];
  let known: { length: number; parts: number } | undefined;
  let ended = false;
  let work = Promise.resolve();
  let poll: NodeJS.Timeout | undefined;

  const read = () =>
    db
      .selectFrom("chat_messages")
      .select(["content", "parts", "status", "error", "updated_at"])
      .where("id", "=", messageId)
      .executeTakeFirst();

  const enqueue = (step: () => Promise<void>) => {
    work = work.then(step).catch((error) => options.onError?.(error));
  };

  const unsubscribe = await options.events.subscribe<GenerationEvent>(
    messageEventsTopic(messageId),
    (event) => {
      if (known === undefined) early.push(event.payload);
      else enqueue(() => handle(event.payload));
    },
  );

  async function close(): Promise<void> {
    if (ended) return;
    ended = true;
    clearInterval(poll);
    queue.end();
    await unsubscribe();
  }

  /** Sends what the row holds beyond what was sent; ends with `done` when the row is final. */
  async function takeFrom(row: StoredMessage | undefined, error?: GenerationError | null): Promise<void> {
    if (!row || !known || ended) return;
    if (row.content.length > known.length) {
      queue.push({ type: "delta", offset: known.length, text: row.content.slice(known.length) });
      known.length = row.content.length;
    }
    const parts = parseParts(row.parts);
    for (; known.parts < parts.length; known.parts++) {
      queue.push({ type: "tool", index: known.parts, part: parts[known.parts] as (typeof parts)[number] });
    }
    if (row.status === "generating") return;
    const stored = row.error === null ? null : { type: "generation_failed", message: row.error };
    queue.push({ type: "done", status: row.status, error: error === undefined ? stored : error });
    await close();
  }

  /** Reads the row until it holds `length` characters and `parts` parts, or is final. */
  async function catchUp(length: number, parts: number): Promise<void> {
    while (!ended && known && (known.length < length || known.parts < parts)) {
      await takeFrom(await read());
      if (!ended && known && (known.length < length || known.parts < parts)) {
        await new Promise((resolve) => setTimeout(resolve, catchUpDelayMs));
      }
    }
  }

  async function handle(event: GenerationEvent): Promise<void> {
    if (ended || !known) return;
    if (event.type === "done") {
      await takeFrom(await read(), event.error);
    } else if (event.type === "delta") {
      await catchUp(event.offset, known.parts);
      const end = event.offset + event.text.length;
      if (ended || end <= known.length) return;
      queue.push({
        type: "delta",
        offset: known.length,
        text: event.text.slice(known.length - event.offset),
      });
      known.length = end;
    } else {
      await catchUp(known.length, event.index);
      if (ended || event.index < known.parts) return;
      queue.push(event);
      known.parts = event.index + 1;
    }
  }

  async function check(): Promise<void> {
    const row = await read();
    if (row && row.status === "generating" && isStale(row.updated_at)) {
      if (await options.onStale?.(messageId, row)) return takeFrom(await read());
    }
    await takeFrom(row);
  }

  const isStale = (updatedAt: string) => Date.parse(updatedAt) < Date.now() - options.staleAfterMs;

  let row = await read();
  if (
    row &&
    row.status === "generating" &&
    isStale(row.updated_at) &&
    (await options.onStale?.(messageId, row))
  ) {
    row = await read();
  }
  if (!row) {
    await close();
    return undefined;
  }
  const snapshot: GenerationSnapshot = {
    content: row.content,
    parts: parseParts(row.parts),
    status: row.status,
  };
  known = { length: row.content.length, parts: snapshot.parts.length };
  if (row.status !== "generating") {
    await takeFrom(row);
    return { snapshot, events: queue, close };
  }
  for (const event of early) enqueue(() => handle(event));
  poll = setInterval(() => enqueue(check), pollIntervalMs);
  poll.unref();
  return { snapshot, events: queue, close };
}
