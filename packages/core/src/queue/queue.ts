/**
 * core.queue: durable background jobs. Two implementations share this contract:
 * the local queue (jobs kept in the store, run in this process) and BullMQ on Redis.
 */
export interface JobOptions {
  /**
   * Tries the handler may fail, including the first; default 1. A try cut short because its
   * worker died or shut down does not use one up (see the queues' `maxStalls`).
   */
  attempts?: number;
  /** Wait between tries: fixed, or exponential (delayMs × 2^(try-1)). */
  backoff?: { type: "fixed" | "exponential"; delayMs: number };
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /**
   * Caller-chosen id, unique within the queue; enqueuing an id that already exists (even
   * finished) returns the existing job. Not a whole number and no ':' (BullMQ reserves both).
   */
  jobId?: string;
}

export interface Job<Data = unknown> {
  id: string;
  queue: string;
  name: string;
  data: Data;
  /** 1 on the first try; every start counts, including one after a dead worker or a shutdown. */
  attempt: number;
}

/** `delayed`: waiting for its `delayMs` or a retry's backoff to pass. */
export type JobStatus = "waiting" | "delayed" | "active" | "completed" | "failed";

export interface JobState {
  id: string;
  name: string;
  status: JobStatus;
  /** Tries started so far, including one running now. */
  attemptsMade: number;
  /** What the handler returned, once completed. */
  result?: unknown;
  /** Message of the last error the handler threw (kept after a later try succeeds). */
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
  /**
   * Repeatable job: enqueues `name` on `queue` at each time the cron expression names (UTC; a
   * sixth leading field adds seconds). Idempotent per (queue, name): every replica may call it at
   * startup and each tick still runs once. Ticks fire while some process runs a worker for `queue`.
   */
  schedule(queue: string, name: string, cron: string, data?: unknown): Promise<void>;
  unschedule(queue: string, name: string): Promise<void>;
  /** Starts taking jobs from `queue`. At most one worker per queue per Queue instance. */
  process<Data>(queue: string, handler: JobHandler<Data>, options?: WorkerOptions): void;
  getJob(queue: string, id: string): Promise<JobState | undefined>;
  /** Throws when the backing store or Redis cannot be reached. */
  ping(): Promise<void>;
  /**
   * Graceful shutdown: take no new jobs, wait up to `timeoutMs` (default 10 s) for running ones,
   * hand any still running back to the queue so another worker runs them (their handlers' later
   * results are discarded), then release connections. A local queue leaves its store open.
   */
  close(timeoutMs?: number): Promise<void>;
}
