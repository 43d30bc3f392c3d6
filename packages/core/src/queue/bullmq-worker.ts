import { type Job as BullJob, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { JobHandler } from "./queue.ts";
import { quitConnection, settlesWithin } from "./redis-shutdown.ts";

export interface BullmqWorkerSettings {
  redisUrl: string;
  prefix: string;
  queue: string;
  handler: JobHandler;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalls: number;
  keepFinishedSeconds: number;
  onError: (error: unknown) => void;
}

/** A job running in this worker and the means to give it up at shutdown. */
interface Run {
  job: BullJob;
  token: string;
  handBack: (error: Error) => void;
}

/**
 * One BullMQ Worker on its own Redis connection, tracking the jobs it runs so that a close
 * that runs out of time can hand them back to the wait list instead of leaving them locked.
 */
export class BullmqWorker {
  private readonly connection: Redis;
  private readonly worker: Worker;
  private readonly runs = new Set<Run>();

  constructor(private readonly settings: BullmqWorkerSettings) {
    // Workers block on Redis; BullMQ needs their commands to wait out reconnects, not fail.
    this.connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on("error", () => {});
    this.worker = new Worker(settings.queue, (job, token) => this.runJob(job, token), {
      connection: this.connection,
      prefix: settings.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalls,
      removeOnComplete: { age: settings.keepFinishedSeconds },
      removeOnFail: { age: settings.keepFinishedSeconds },
    });
    this.worker.on("error", (error) => settings.onError(error));
  }

  private async runJob(job: BullJob, token: string | undefined): Promise<unknown> {
    let handBack: (error: Error) => void = () => {};
    const handedBack = new Promise<never>((_, reject) => {
      handBack = reject;
    });
    const run: Run = { job, token: token ?? "", handBack };
    this.runs.add(run);
    try {
      const work = this.settings.handler({
        id: job.id ?? "",
        queue: this.settings.queue,
        name: job.name,
        data: job.data,
        // attemptsStarted counts this try, and a try whose worker died, like the local queue.
        attempt: job.attemptsStarted,
      });
      return await Promise.race([work, handedBack]);
    } finally {
      this.runs.delete(run);
    }
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for running ones; the rest go back to the
   * wait list for another worker, and their handlers' eventual results are discarded.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.connection.status !== "ready") {
      // Redis is unreachable: nothing can be finished or handed back, and BullMQ's graceful
      // close would wait for Redis forever. Its forced close returns at once.
      await settlesWithin(this.worker.close(true).catch(this.settings.onError), 1_000);
      this.connection.disconnect();
      return;
    }
    const closing = this.worker.close().catch((error) => this.settings.onError(error));
    if (!(await settlesWithin(closing, timeoutMs))) {
      await Promise.all(
        [...this.runs].map(async (run) => {
          await settlesWithin(run.job.moveToWait(run.token).catch(this.settings.onError), 1_000);
          // BullMQ then tries to fail the job, which no longer holds its lock, and gives up quietly.
          run.handBack(new Error("Handed back to the queue at shutdown"));
        }),
      );
      // Bounded too: should Redis go away right now, shutdown must still end.
      await settlesWithin(closing, 2_000);
    }
    await quitConnection(this.connection);
  }
}
