/**
 * core.queue: durable background jobs. Two implementations share this contract:
 * the local queue (jobs kept in the store, run in this process) and BullMQ on Redis.
 */
export interface JobOptions {
  /** Total tries including the first; default 1. */
  attempts?: number;
  /** Wait between tries: fixed, or exponential (delayMs × 2^(try-1)). */
  backoff?: { type: "fixed" | "exponential"; delayMs: number };
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Caller-chosen id; enqueuing an id that already exists returns the existing job. */
  jobId?: string;
}

export interface Job<Data = unknown> {
  id: string;
  queue: string;
  name: string;
  data: Data;
  /** 1 on the first try. */
  attempt: number;
}

export type JobStatus = "waiting" | "delayed" | "active" | "completed" | "failed";

export interface JobState {
  id: string;
  name: string;
  status: JobStatus;
  attemptsMade: number;
  result?: unknown;
  error?: string;
}

export type JobHandler<Data = unknown> = (job: Job<Data>) => Promise<unknown>;

export interface WorkerOptions {
  /** Jobs run at once by this worker; default 1. */
  concurrency?: number;
}

export interface Queue {
  readonly kind: "local" | "bullmq";
  enqueue<Data>(queue: string, name: string, data: Data, options?: JobOptions): Promise<{ id: string }>;
  /** Repeatable job: enqueues `name` on `queue` at each time the cron expression names. Idempotent per (queue, name). */
  schedule(queue: string, name: string, cron: string, data?: unknown): Promise<void>;
  unschedule(queue: string, name: string): Promise<void>;
  /** Starts taking jobs from `queue`. At most one worker per queue per Queue instance. */
  process<Data>(queue: string, handler: JobHandler<Data>, options?: WorkerOptions): void;
  getJob(queue: string, id: string): Promise<JobState | undefined>;
  /** Throws when the backing store or Redis cannot be reached. */
  ping(): Promise<void>;
  /**
   * Graceful shutdown: take no new jobs, wait up to `timeoutMs` for running ones, hand any
   * still running back to the queue so another worker runs them, then release connections.
   */
  close(timeoutMs?: number): Promise<void>;
}
