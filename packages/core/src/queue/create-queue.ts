import type { Store } from "../store/database.ts";
import { createLocalQueue } from "./local-queue.ts";
import type { Queue } from "./queue.ts";

export interface CreateQueueOptions {
  /** Set: BullMQ on this Redis. Unset: the local queue in `store`. */
  redisUrl?: string;
  /** Holds the jobs when there is no Redis. The caller closes it, after the queue. */
  store: Store;
  /** BullMQ only: namespace of the Redis keys; default `nexus`. */
  prefix?: string;
  /** Local only: how often an idle worker polls the store; default 500 ms. */
  pollIntervalMs?: number;
  /** Local only: how long a claimed job stays reserved without renewal; default 30 s. */
  leaseMs?: number;
  /** BullMQ only: lock duration of a running job; default 30 s. */
  lockDurationMs?: number;
  /** BullMQ only: how often workers look for jobs whose worker died; default 30 s. */
  stalledIntervalMs?: number;
  /** Times a job whose worker died is run again before it is failed; default 1. */
  maxStalls?: number;
  /** Finished jobs stay readable with getJob this long; default 7 days. */
  keepFinishedMs?: number;
  /** Errors the queue recovers from by itself; default: stderr. */
  onError?: (error: unknown) => void;
}

/**
 * The queue Nexus runs on: BullMQ when a Redis URL is configured, else the local queue kept in
 * the store. BullMQ and ioredis load only when Redis is configured, which keeps the laptop start fast.
 *
 * @example
 * const queue = await createQueue({ redisUrl: config.redisUrl, store, onError: (error) => logger.warn({ error }) });
 */
export async function createQueue(options: CreateQueueOptions): Promise<Queue> {
  const shared = {
    maxStalls: options.maxStalls,
    keepFinishedMs: options.keepFinishedMs,
    onError: options.onError,
  };
  if (options.redisUrl) {
    const { createBullmqQueue } = await import("./bullmq-queue.ts");
    return createBullmqQueue({
      ...shared,
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      lockDurationMs: options.lockDurationMs,
      stalledIntervalMs: options.stalledIntervalMs,
    });
  }
  return createLocalQueue({
    ...shared,
    store: options.store,
    pollIntervalMs: options.pollIntervalMs,
    leaseMs: options.leaseMs,
  });
}
