/**
 * Table shapes shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings in both
 * databases so rows read the same whichever store is behind them.
 */
export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  created_at: string;
}

export type Role = "owner" | "admin" | "member";

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  role: Role;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  key_hash: string;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WebSessionTable {
  /** SHA-256 of the session token held in the browser's cookie. */
  id: string;
  workspace_id: string;
  role: Role;
  /** The key the session signed in with; revoking the key ends the session. Null for a login link. */
  api_key_id: string | null;
  created_at: string;
  expires_at: string;
}

/**
 * One background job of the local queue (core.queue). Times here are epoch milliseconds, not ISO
 * strings, because the queue compares them in SQL on every poll.
 */
export interface JobTable {
  /** Unique within its queue: generated, or the caller's `jobId`. */
  id: string;
  queue: string;
  name: string;
  /** The job's data as JSON. */
  data: string;
  /** A waiting job whose `run_at` is still ahead is reported as `delayed`. */
  status: "waiting" | "active" | "completed" | "failed";
  /** Tries started, including one running now. */
  attempts_made: number;
  /** Tries that ended with the handler throwing; retries stop when this reaches `max_attempts`. */
  failures: number;
  /** Tries whose worker vanished (its lease expired); recovery stops at the queue's `maxStalls`. */
  stalls: number;
  max_attempts: number;
  /** `JobOptions.backoff` as JSON. */
  backoff: string | null;
  /** Earliest time the job may be claimed. */
  run_at: number;
  /** While active: the lease; a job whose lease has passed is taken again by any worker. */
  locked_until: number | null;
  /** While active: the claim's token; only the holder may extend, finish or release the job. */
  locked_by: string | null;
  /** The handler's return value as JSON; null when it returned nothing. */
  result: string | null;
  /** Message of the last error the handler threw. */
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** A repeatable job of the local queue: `name` is enqueued on `queue` at each cron tick. */
export interface JobScheduleTable {
  queue: string;
  name: string;
  cron: string;
  /** Data for each enqueued job, as JSON. */
  data: string;
  /** The next tick (epoch milliseconds); firing a tick moves it on with a conditional update. */
  next_run_at: number;
}

export interface Database {
  workspaces: WorkspaceTable;
  api_keys: ApiKeyTable;
  web_sessions: WebSessionTable;
  jobs: JobTable;
  job_schedules: JobScheduleTable;
}
