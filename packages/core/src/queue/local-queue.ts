import { newId } from "../ids.ts";
import type { Store } from "../store/database.ts";
import { assertValidCron } from "./cron.ts";
import { parseJobOptions, parseQueueName } from "./job-options.ts";
import { insertJob, readJob } from "./local-job-table.ts";
import { removeSchedule, upsertSchedule } from "./local-schedules.ts";
import { LocalWorker } from "./local-worker.ts";
import type { JobHandler, Queue, WorkerOptions } from "./queue.ts";

export interface LocalQueueOptions {
  /** The store whose `jobs` and `job_schedules` tables hold the queue. The caller closes it. */
  store: Store;
  /** How often an idle worker looks for due jobs and schedule ticks; default 500 ms. */
  pollIntervalMs?: number;
  /**
   * How long a claimed job stays reserved without news from its worker; default 30 s. The worker
   * renews it every third of that while the job runs, so only a dead worker lets it lapse, and
   * then the job runs again on another worker after at most this long.
   */
  leaseMs?: number;
  /** Times a job may be recovered after its worker died before it is failed; default 1, as BullMQ. */
  maxStalls?: number;
  /** Completed and failed jobs are deleted this long after they finish; default 7 days. */
  keepFinishedMs?: number;
  /** Errors the queue recovers from by itself (the database unreachable while polling); default: stderr. */
  onError?: (error: unknown) => void;
}

/**
 * A durable queue kept in the Nexus store (SQLite or PostgreSQL): a killed process loses no
 * job, and any number of processes sharing the database may run workers.
 *
 * @example
 * const queue = createLocalQueue({ store });
 * queue.process<{ documentId: string }>("ingestion", async (job) => ingest(job.data.documentId));
 * await queue.enqueue("ingestion", "ingest", { documentId: "doc_1" }, { attempts: 3 });
 */
export function createLocalQueue(options: LocalQueueOptions): Queue {
  const { db } = options.store;
  const settings = {
    pollIntervalMs: options.pollIntervalMs ?? 500,
    leaseMs: options.leaseMs ?? 30_000,
    maxStalls: options.maxStalls ?? 1,
    keepFinishedMs: options.keepFinishedMs ?? 7 * 24 * 60 * 60 * 1000,
    onError: options.onError ?? ((error: unknown) => console.error("Local queue error:", error)),
  };
  const workers = new Map<string, LocalWorker>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error("The queue is closed");
  }

  return {
    kind: "local",

    async enqueue(queue, name, data, jobOptions) {
      assertOpen();
      parseQueueName(queue);
      const parsed = parseJobOptions(jobOptions);
      const id = parsed.jobId ?? newId("job");
      const runAt = Date.now() + (parsed.delayMs ?? 0);
      await insertJob(db, { queue, id, name, data: JSON.stringify(data) ?? "null", runAt, options: parsed });
      workers.get(queue)?.wakeAt(runAt);
      return { id };
    },

    async schedule(queue, name, cron, data) {
      assertOpen();
      parseQueueName(queue);
      assertValidCron(cron);
      await upsertSchedule(db, { queue, name, cron, data });
    },

    async unschedule(queue, name) {
      await removeSchedule(db, queue, name);
    },

    process<Data>(queue: string, handler: JobHandler<Data>, workerOptions: WorkerOptions = {}) {
      assertOpen();
      parseQueueName(queue);
      if (workers.has(queue)) throw new Error(`Queue '${queue}' already has a worker in this process`);
      const concurrency = workerOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new Error(`Worker concurrency must be a whole number of at least 1, got ${concurrency}`);
      }
      workers.set(
        queue,
        new LocalWorker({ ...settings, db, queue, handler: handler as JobHandler, concurrency }),
      );
    },

    async getJob(queue, id) {
      assertOpen();
      return readJob(db, queue, id);
    },

    ping() {
      return options.store.ping();
    },

    async close(timeoutMs = 10_000) {
      if (closed) return;
      closed = true;
      await Promise.all([...workers.values()].map((worker) => worker.stop(timeoutMs)));
      workers.clear();
    },
  };
}
