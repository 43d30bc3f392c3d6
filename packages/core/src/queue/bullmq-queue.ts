import { type JobState as BullJobState, Queue as BullQueue } from "bullmq";
import { Redis } from "ioredis";
import { BullmqWorker } from "./bullmq-worker.ts";
import { assertValidCron } from "./cron.ts";
import { parseJobOptions, parseQueueName } from "./job-options.ts";
import type { JobHandler, JobStatus, Queue, WorkerOptions } from "./queue.ts";
import { quitConnection, settlesWithin } from "./redis-shutdown.ts";

export interface BullmqQueueOptions {
  /** `redis://` or `rediss://` URL. */
  redisUrl: string;
  /** Namespace of every Redis key; default `nexus`. Tests use a random one each. */
  prefix?: string;
  /** How long a running job's lock lasts without renewal (renewed at half of it); default 30 s. */
  lockDurationMs?: number;
  /**
   * How often workers look for jobs whose lock lapsed because their worker died; default 30 s.
   * Such a job runs again after about `lockDurationMs` plus up to two of these intervals.
   */
  stalledIntervalMs?: number;
  /** Times a job may be recovered after its worker died before it is failed; default 1. */
  maxStalls?: number;
  /** Completed and failed jobs are removed about this long after they finish; default 7 days. */
  keepFinishedMs?: number;
  /** Errors the queue recovers from by itself (Redis reconnecting); default: stderr. */
  onError?: (error: unknown) => void;
}

const statusByBullState: Record<BullJobState, JobStatus> = {
  waiting: "waiting",
  prioritized: "waiting",
  "waiting-children": "waiting",
  delayed: "delayed",
  active: "active",
  completed: "completed",
  failed: "failed",
};

/**
 * The Queue on BullMQ: one BullMQ Queue per queue name sharing a producer connection, and one
 * Worker with its own connection per processed queue. Cron jobs are BullMQ job schedulers.
 *
 * @example
 * const queue = createBullmqQueue({ redisUrl: "redis://127.0.0.1:6379" });
 * await queue.schedule("maintenance", "purge-sessions", "0 * * * *");
 */
export function createBullmqQueue(options: BullmqQueueOptions): Queue {
  const prefix = options.prefix ?? "nexus";
  const keepFinishedSeconds = Math.ceil((options.keepFinishedMs ?? 7 * 24 * 60 * 60 * 1000) / 1000);
  const onError = options.onError ?? ((error: unknown) => console.error("BullMQ queue error:", error));
  // Producers should fail fast when Redis is gone, so callers see the error instead of hanging.
  const producer = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
  // Failures surface on the commands that hit them; the event would only repeat them.
  producer.on("error", () => {});
  const queues = new Map<string, BullQueue>();
  const workers = new Map<string, BullmqWorker>();
  let closed = false;

  function queueFor(name: string): BullQueue {
    if (closed) throw new Error("The queue is closed");
    parseQueueName(name);
    let queue = queues.get(name);
    if (!queue) {
      queue = new BullQueue(name, { connection: producer, prefix });
      queue.on("error", onError);
      queues.set(name, queue);
    }
    return queue;
  }

  const finished = {
    removeOnComplete: { age: keepFinishedSeconds },
    removeOnFail: { age: keepFinishedSeconds },
  };

  return {
    kind: "bullmq",

    async enqueue(queue, name, data, jobOptions) {
      const parsed = parseJobOptions(jobOptions);
      const job = await queueFor(queue).add(name, data, {
        ...finished,
        jobId: parsed.jobId,
        attempts: parsed.attempts ?? 1,
        backoff: parsed.backoff && { type: parsed.backoff.type, delay: parsed.backoff.delayMs },
        delay: parsed.delayMs,
      });
      if (job.id === undefined) throw new Error(`BullMQ gave no id to job '${name}' on queue '${queue}'`);
      return { id: job.id };
    },

    async schedule(queue, name, cron, data) {
      assertValidCron(cron);
      // The scheduler id is the job name, so scheduling again updates rather than adds.
      await queueFor(queue).upsertJobScheduler(
        name,
        { pattern: cron, tz: "UTC" },
        { name, data: data ?? null, opts: finished },
      );
    },

    async unschedule(queue, name) {
      await queueFor(queue).removeJobScheduler(name);
    },

    process<Data>(queue: string, handler: JobHandler<Data>, workerOptions: WorkerOptions = {}) {
      if (closed) throw new Error("The queue is closed");
      parseQueueName(queue);
      if (workers.has(queue)) throw new Error(`Queue '${queue}' already has a worker in this process`);
      const concurrency = workerOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new Error(`Worker concurrency must be a whole number of at least 1, got ${concurrency}`);
      }
      const worker = new BullmqWorker({
        redisUrl: options.redisUrl,
        prefix,
        queue,
        handler: handler as JobHandler,
        concurrency,
        lockDurationMs: options.lockDurationMs ?? 30_000,
        stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
        maxStalls: options.maxStalls ?? 1,
        keepFinishedSeconds,
        onError,
      });
      workers.set(queue, worker);
    },

    async getJob(queue, id) {
      const bullQueue = queueFor(queue);
      // State first: a job read before its state could be an older version than the state says.
      const state = await bullQueue.getJobState(id);
      if (state === "unknown") return undefined;
      const job = await bullQueue.getJob(id);
      if (!job) return undefined;
      return {
        id,
        name: job.name,
        status: statusByBullState[state],
        attemptsMade: job.attemptsStarted,
        ...(job.returnvalue !== null && job.returnvalue !== undefined ? { result: job.returnvalue } : {}),
        ...(job.failedReason ? { error: job.failedReason } : {}),
      };
    },

    async ping() {
      await producer.ping();
    },

    async close(timeoutMs = 10_000) {
      if (closed) return;
      closed = true;
      await Promise.all([...workers.values()].map((worker) => worker.stop(timeoutMs)));
      await Promise.all(
        [...queues.values()].map((queue) => settlesWithin(queue.close().catch(onError), 2_000)),
      );
      workers.clear();
      queues.clear();
      await quitConnection(producer);
    },
  };
}
