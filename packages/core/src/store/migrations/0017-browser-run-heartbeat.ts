import type { Kysely } from "kysely";

/**
 * A recorded task's run beats while it runs: a queue job handed out again while its first try
 * still runs (BullMQ takes a job back from a worker it has not heard from within the lock — a
 * busy worker as well as a dead one) waits on that try instead of running the task a second time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("browser_task_runs").addColumn("heartbeat_at", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("browser_task_runs").dropColumn("heartbeat_at").execute();
}
