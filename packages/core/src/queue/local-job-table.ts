import type { Kysely } from "kysely";
import { newId } from "../ids.ts";
import type { Database, JobTable } from "../store/schema.ts";
import { backoffDelayMs } from "./job-options.ts";
import type { JobOptions, JobState } from "./queue.ts";

/**
 * The local queue's reads and writes on the `jobs` table. Every state change is one conditional
 * UPDATE whose WHERE names the state it expects, so two processes racing for the same row
 * cannot both win: the loser sees zero rows changed. No transaction spans an `await`, which
 * also keeps SQLite free of lock waits between connections of one process.
 */
type Db = Kysely<Database>;

/** A job this worker holds a lease on. */
export interface ClaimedJob {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
  failures: number;
  maxAttempts: number;
  backoff: JobOptions["backoff"];
  /** The lease token; every later write on the job must present it. */
  token: string;
}

export async function insertJob(
  db: Db,
  job: { queue: string; id: string; name: string; data: string; runAt: number; options: JobOptions },
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto("jobs")
    .values({
      queue: job.queue,
      id: job.id,
      name: job.name,
      data: job.data,
      status: "waiting",
      attempts_made: 0,
      failures: 0,
      stalls: 0,
      max_attempts: job.options.attempts ?? 1,
      backoff: job.options.backoff ? JSON.stringify(job.options.backoff) : null,
      run_at: job.runAt,
      created_at: now,
    })
    // An id that exists already is the same job enqueued again: keep the first.
    .onConflict((conflict) => conflict.columns(["queue", "id"]).doNothing())
    .execute();
}

/**
 * Takes up to `limit` runnable jobs: waiting ones that are due, and active ones whose lease has
 * passed (their worker died). A dead worker's job counts as a new attempt; once it has stalled
 * `maxStalls` times it is failed instead, so a job that kills every worker cannot loop forever.
 */
export async function claimJobs(
  db: Db,
  options: { queue: string; limit: number; leaseMs: number; maxStalls: number },
): Promise<ClaimedJob[]> {
  const now = Date.now();
  // Read a few more than needed: other workers race for the same first rows.
  const candidates = await db
    .selectFrom("jobs")
    .selectAll()
    .where("queue", "=", options.queue)
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "waiting"), eb("run_at", "<=", now)]),
        eb.and([eb("status", "=", "active"), eb("locked_until", "<", now)]),
      ]),
    )
    .orderBy("run_at")
    .orderBy("created_at")
    .limit(options.limit * 2 + 2)
    .execute();

  const claimed: ClaimedJob[] = [];
  for (const row of candidates) {
    if (claimed.length >= options.limit) break;
    const job = await claimRow(db, row, options);
    if (job) claimed.push(job);
  }
  return claimed;
}

async function claimRow(
  db: Db,
  row: JobTable,
  options: { leaseMs: number; maxStalls: number },
): Promise<ClaimedJob | undefined> {
  const now = Date.now();
  const token = newId("lease");
  const stalled = row.status === "active";
  let update = db.updateTable("jobs").where("queue", "=", row.queue).where("id", "=", row.id);
  update = stalled
    ? update
        .where("status", "=", "active")
        .where("locked_by", "=", row.locked_by)
        .where("locked_until", "<", now)
    : update.where("status", "=", "waiting").where("run_at", "<=", now);

  if (stalled && row.stalls >= options.maxStalls) {
    await update
      .set({
        status: "failed",
        error: `Job stalled more than ${options.maxStalls} time(s): its worker stopped before finishing it`,
        finished_at: now,
        locked_until: null,
        locked_by: null,
      })
      .execute();
    return undefined;
  }

  const result = await update
    .set((eb) => ({
      status: "active",
      attempts_made: eb("attempts_made", "+", 1),
      stalls: stalled ? eb("stalls", "+", 1) : eb.ref("stalls"),
      locked_until: now + options.leaseMs,
      locked_by: token,
    }))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.data),
    attempt: row.attempts_made + 1,
    failures: row.failures,
    maxAttempts: row.max_attempts,
    backoff: row.backoff ? JSON.parse(row.backoff) : undefined,
    token,
  };
}

/** Pushes the lease forward; false when the lease was lost (another worker took the job). */
export async function extendLease(db: Db, queue: string, job: ClaimedJob, leaseMs: number): Promise<boolean> {
  const result = await heldBy(db, queue, job)
    .set({ locked_until: Date.now() + leaseMs })
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function completeJob(db: Db, queue: string, job: ClaimedJob, result: unknown): Promise<void> {
  await heldBy(db, queue, job)
    .set({
      status: "completed",
      result: result === undefined ? null : (JSON.stringify(result) ?? null),
      finished_at: Date.now(),
      locked_until: null,
      locked_by: null,
    })
    .execute();
}

/** Records a failed try: back to waiting after the backoff while attempts remain, else failed. */
export async function failJob(
  db: Db,
  queue: string,
  job: ClaimedJob,
  error: unknown,
): Promise<{ retryAt?: number }> {
  const now = Date.now();
  const failures = job.failures + 1;
  const message = error instanceof Error ? error.message : String(error);
  const released = { failures, error: message, locked_until: null, locked_by: null };
  if (failures < job.maxAttempts) {
    const retryAt = now + backoffDelayMs(job.backoff, failures);
    await heldBy(db, queue, job)
      .set({ ...released, status: "waiting", run_at: retryAt })
      .execute();
    return { retryAt };
  }
  await heldBy(db, queue, job)
    .set({ ...released, status: "failed", finished_at: now })
    .execute();
  return {};
}

/** Hands an unfinished job back so any worker runs it again now (graceful shutdown). */
export async function releaseJob(db: Db, queue: string, job: ClaimedJob): Promise<void> {
  await heldBy(db, queue, job)
    .set({ status: "waiting", run_at: Date.now(), locked_until: null, locked_by: null })
    .execute();
}

function heldBy(db: Db, queue: string, job: ClaimedJob) {
  return db
    .updateTable("jobs")
    .where("queue", "=", queue)
    .where("id", "=", job.id)
    .where("status", "=", "active")
    .where("locked_by", "=", job.token);
}

export async function readJob(db: Db, queue: string, id: string): Promise<JobState | undefined> {
  const row = await db
    .selectFrom("jobs")
    .selectAll()
    .where("queue", "=", queue)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  const delayed = row.status === "waiting" && row.run_at > Date.now();
  return {
    id: row.id,
    name: row.name,
    status: delayed ? "delayed" : row.status,
    attemptsMade: row.attempts_made,
    ...(row.result !== null ? { result: JSON.parse(row.result) } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

/** Deletes completed and failed jobs of `queue` that finished before `before`. */
export async function deleteFinishedJobs(db: Db, queue: string, before: number): Promise<void> {
  await db
    .deleteFrom("jobs")
    .where("queue", "=", queue)
    .where("finished_at", "<", before)
    .where("status", "in", ["completed", "failed"])
    .execute();
}
