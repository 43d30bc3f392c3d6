import type { Database, EventBus } from "@nexus/core";
import type { Kysely } from "kysely";
import {
  type FinishedStatus,
  type GenerationError,
  type GenerationEvent,
  messageEventsTopic,
} from "./generation-events.ts";

export const interruptedError: GenerationError = {
  type: "generation_interrupted",
  message:
    "The server stopped while this reply was being generated (a restart or a crash); regenerate it to try again",
};

/**
 * Ends a generation nobody is running any more (its process died, or it did not answer a stop):
 * the row is finished with what it holds, if it is still generating, and its followers on any
 * replica are told. Returns whether this call finished it.
 */
export async function finishOrphanedGeneration(
  db: Kysely<Database>,
  events: EventBus,
  messageId: string,
  status: FinishedStatus,
  error: GenerationError | null,
): Promise<boolean> {
  const result = await db
    .updateTable("chat_messages")
    .set({ status, error: error?.message ?? null, updated_at: new Date().toISOString() })
    .where("id", "=", messageId)
    .where("status", "=", "generating")
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  const done: GenerationEvent = { type: "done", status, error };
  await events.publish(messageEventsTopic(messageId), done).catch(() => {});
  return true;
}

/**
 * Messages still `generating` that no process is running: with `olderThan`, those whose heartbeat
 * stopped before it (other replicas may be running the rest); without, all of them (this is the
 * only process). `running` are this process's own.
 */
export async function findOrphanedGenerations(
  db: Kysely<Database>,
  running: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  olderThan?: Date,
): Promise<string[]> {
  let query = db.selectFrom("chat_messages").select("id").where("status", "=", "generating");
  if (olderThan) query = query.where("updated_at", "<", olderThan.toISOString());
  const rows = await query.execute();
  return rows.map((row) => row.id).filter((id) => !running.has(id));
}
