/** Tables of packages/browser (issue 8); part of `Database` in schema.ts. */
export interface BrowserTables {
  browser_settings: BrowserSettingsTable;
  browser_action_cache: BrowserActionCacheTable;
  browser_tasks: BrowserTaskTable;
  browser_task_runs: BrowserTaskRunTable;
  browser_run_screenshots: BrowserRunScreenshotTable;
  browser_session_states: BrowserSessionStateTable;
}

/** A workspace's browser safety settings; a workspace without a row gets the defaults. */
export interface BrowserSettingsTable {
  workspace_id: string;
  /** JSON array of URL patterns allowed (empty: any public http(s) URL). */
  allow_urls: string;
  /** JSON array of URL patterns refused; wins over `allow_urls`. */
  deny_urls: string;
  max_steps: number;
  max_duration_ms: number;
  updated_at: string;
}

/** Resolved actions of one successful act/agent run, replayed without the model on the same page shape. */
export interface BrowserActionCacheTable {
  id: string;
  workspace_id: string;
  /** SHA-256 of kind, instruction, URL pattern, DOM-structure hash and variable names. */
  cache_key: string;
  kind: "act" | "agent";
  instruction: string;
  url_pattern: string;
  dom_hash: string;
  /** JSON array of resolved steps (selector, method, arguments with `%variable%` placeholders). */
  actions: string;
  hits: number;
  created_at: string;
  updated_at: string;
}

/** One version of a recorded task; a new version is a new row with the same `task_id`. */
export interface BrowserTaskTable {
  id: string;
  task_id: string;
  workspace_id: string;
  version: number;
  name: string;
  /** JSON of the task definition (start URL, steps, variable names, expected extraction schema). */
  definition: string;
  /** Cron expression (core.queue) for scheduled runs of the latest version, or null. */
  schedule_cron: string | null;
  created_at: string;
}

export interface BrowserTaskRunTable {
  id: string;
  workspace_id: string;
  task_id: string;
  version: number;
  status: "queued" | "running" | "succeeded" | "failed";
  /** JSON report: steps with timings, tokens, screenshots, errors; null until it ends. */
  report: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  /** Renewed every few seconds while a process runs it; a try handed out again waits while it is fresh. */
  heartbeat_at: string | null;
}

/** A screenshot a task run took after one of its steps (PNG, base64), readable from any replica. */
export interface BrowserRunScreenshotTable {
  run_id: string;
  /** `step-<n>.png`. */
  name: string;
  workspace_id: string;
  image_base64: string;
  created_at: string;
}

/**
 * What a workflow run's browser session needs to be rebuilt on another worker: written after each
 * step, read when the run resumes elsewhere, deleted once the run has finished.
 */
export interface BrowserSessionStateTable {
  run_id: string;
  /** The session id the run's nodes know (the first process's), kept across rebuilds. */
  session_id: string;
  workspace_id: string;
  model: string;
  /** The page's URL after the last step. */
  url: string;
  /** JSON array of the context's cookies (Stagehand's `Cookie`). */
  cookies: string;
  updated_at: string;
}
