import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import { nextCronTime } from "./cron.ts";
import { insertJob } from "./local-job-table.ts";

type Db = Kysely<Database>;

/**
 * Creates or updates the schedule for (queue, name). Re-scheduling with the same cron keeps the
 * pending tick, so every replica may call this at startup without shifting or doubling ticks.
 */
export async function upsertSchedule(
  db: Db,
  schedule: { queue: string; name: string; cron: string; data: unknown },
): Promise<void> {
  const data = JSON.stringify(schedule.data) ?? "null";
  await db
    .insertInto("job_schedules")
    .values({
      queue: schedule.queue,
      name: schedule.name,
      cron: schedule.cron,
      data,
      next_run_at: nextCronTime(schedule.cron, Date.now()),
    })
    .onConflict((conflict) =>
      conflict.columns(["queue", "name"]).doUpdateSet((eb) => ({
        data: eb.ref("excluded.data"),
        cron: eb.ref("excluded.cron"),
        next_run_at: eb
          .case()
          .when("job_schedules.cron", "=", eb.ref("excluded.cron"))
          .then(eb.ref("job_schedules.next_run_at"))
          .else(eb.ref("excluded.next_run_at"))
          .end(),
      })),
    )
    .execute();
}

export async function removeSchedule(db: Db, queue: string, name: string): Promise<void> {
  await db.deleteFrom("job_schedules").where("queue", "=", queue).where("name", "=", name).execute();
}

/**
 * Enqueues one job for every due tick of `queue`'s schedules, however many processes call this
 * at once. The job id names the tick, so a second insert of it is a no-op; then the tick is
 * moved on with an UPDATE conditional on the tick read, which only one caller wins. Inserting
 * first means a crash between the two steps re-runs the (idempotent) insert rather than losing
 * the tick. Ticks missed while nothing ran are skipped, not replayed.
 */
export async function fireDueSchedules(db: Db, queue: string): Promise<number> {
  const now = Date.now();
  const due = await db
    .selectFrom("job_schedules")
    .selectAll()
    .where("queue", "=", queue)
    .where("next_run_at", "<=", now)
    .execute();
  let fired = 0;
  for (const schedule of due) {
    await insertJob(db, {
      queue,
      id: `${schedule.name}@${schedule.next_run_at}`,
      name: schedule.name,
      data: schedule.data,
      runAt: now,
      options: {},
    });
    const moved = await db
      .updateTable("job_schedules")
      .set({ next_run_at: nextCronTime(schedule.cron, now) })
      .where("queue", "=", queue)
      .where("name", "=", schedule.name)
      .where("next_run_at", "=", schedule.next_run_at)
      .executeTakeFirst();
    fired += Number(moved.numUpdatedRows);
  }
  return fired;
}
