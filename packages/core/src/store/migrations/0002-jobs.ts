import type { Kysely } from "kysely";

/** Tables of the local queue (core.queue): jobs and their cron schedules. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("jobs")
    .addColumn("queue", "text", (column) => column.notNull())
    .addColumn("id", "text", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("data", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("attempts_made", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("failures", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("stalls", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (column) => column.notNull())
    .addColumn("backoff", "text")
    .addColumn("run_at", "bigint", (column) => column.notNull())
    .addColumn("locked_until", "bigint")
    .addColumn("locked_by", "text")
    .addColumn("result", "text")
    .addColumn("error", "text")
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("finished_at", "bigint")
    .addPrimaryKeyConstraint("jobs_primary_key", ["queue", "id"])
    .execute();
  // Workers look for claimable jobs by queue, status and due time on every poll.
  await db.schema.createIndex("jobs_claim").on("jobs").columns(["queue", "status", "run_at"]).execute();
  // Retention deletes finished jobs by age.
  await db.schema.createIndex("jobs_finished").on("jobs").columns(["queue", "finished_at"]).execute();

  await db.schema
    .createTable("job_schedules")
    .addColumn("queue", "text", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("cron", "text", (column) => column.notNull())
    .addColumn("data", "text", (column) => column.notNull())
    .addColumn("next_run_at", "bigint", (column) => column.notNull())
    .addPrimaryKeyConstraint("job_schedules_primary_key", ["queue", "name"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("job_schedules").execute();
  await db.schema.dropTable("jobs").execute();
}
