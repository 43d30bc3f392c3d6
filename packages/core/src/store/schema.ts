import type { Generated } from "kysely";

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

export interface JobTable {
  id: string;
  queue: string;
  name: string;
  data: string;
  status: "waiting" | "active" | "completed" | "failed";
  attempts_made: number;
  max_attempts: number;
  backoff: string | null;
  run_at: number;
  locked_until: number | null;
  locked_by: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  seq: Generated<number>;
}

export interface JobScheduleTable {
  queue: string;
  name: string;
  cron: string;
  data: string;
  next_run_at: number;
}

export interface Database {
  workspaces: WorkspaceTable;
  api_keys: ApiKeyTable;
  web_sessions: WebSessionTable;
  jobs: JobTable;
  job_schedules: JobScheduleTable;
}
