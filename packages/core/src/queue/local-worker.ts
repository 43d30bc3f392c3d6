import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  deleteFinishedJobs,
  extendLease,
  failJob,
  releaseJob,
} from "./local-job-table.ts";
import { fireDueSchedules } from "./local-schedules.ts";
import type { JobHandler } from "./queue.ts";

export interface LocalWorkerSettings {
  db: Kysely<Database>;
  queue: string;
  handler: JobHandler;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  maxStalls: number;
  keepFinishedMs: number;
  onError: (error: unknown) => void;
}

/** A job running in this worker, with the timer that keeps its lease alive. */
interface Run {
  job: ClaimedJob;
  leaseTimer: NodeJS.Timeout;
  done: Promise<void>;
  /** Set when close handed the job back; its late outcome must not be written. */
  abandoned: boolean;
}

const cleanupIntervalMs = 60_000;

/**
 * Takes jobs of one queue from the store and runs them, at most `concurrency` at once. It polls
 * every `pollIntervalMs` and is woken at once by `wake()` (a job enqueued by this process), so
 * the database sees one small query per interval while idle.
 */
export class LocalWorker {
  private readonly runs = new Set<Run>();
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  private lastCleanup = 0;
  private failedPolls = 0;
  private readonly loop: Promise<void>;

  constructor(private readonly settings: LocalWorkerSettings) {
    this.loop = this.run();
  }

  /** Looks for jobs now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Looks for jobs at `time` (epoch milliseconds): a delayed job or a retry this process knows of. */
  wakeAt(time: number): void {
    const delay = time - Date.now();
    if (delay <= 0) {
      this.wake();
      return;
    }
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.wakeTimers.delete(timer);
      this.wake();
    }, delay);
    timer.unref();
    this.wakeTimers.add(timer);
  }

  /**
   * Stops taking jobs, waits up to `timeoutMs` for running ones, then hands the rest back to
   * the queue. Their handlers cannot be interrupted; whatever they return later is discarded.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.wakeTimers) clearTimeout(timer);
    this.wakeTimers.clear();
    this.wake();
    await this.loop;
    const running = [...this.runs];
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.all(running.map((run) => run.done)), timeout]);
      clearTimeout(timer);
    }
    await Promise.all([...this.runs].map((run) => this.abandon(run)));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      try {
        await this.housekeeping();
        this.failedPolls = 0;
        const free = this.settings.concurrency - this.runs.size;
        if (free > 0) {
          const claimed = await claimJobs(this.settings.db, {
            queue: this.settings.queue,
            limit: free,
            leaseMs: this.settings.leaseMs,
            maxStalls: this.settings.maxStalls,
          });
          for (const job of claimed) this.start(job);
          // A full batch suggests more are waiting: look again without sleeping.
          if (claimed.length === free && this.runs.size < this.settings.concurrency) continue;
        }
      } catch (error) {
        this.failedPolls += 1;
        this.settings.onError(error);
      }
      if (!this.woken) await this.sleep();
    }
  }

  private async housekeeping(): Promise<void> {
    await fireDueSchedules(this.settings.db, this.settings.queue);
    const now = Date.now();
    if (now - this.lastCleanup >= cleanupIntervalMs) {
      this.lastCleanup = now;
      await deleteFinishedJobs(this.settings.db, this.settings.queue, now - this.settings.keepFinishedMs);
    }
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      // While the database keeps failing, poll less often rather than report the same error every interval.
      const interval = this.settings.pollIntervalMs * 2 ** Math.min(this.failedPolls, 6);
      const timer = setTimeout(finish, Math.min(interval, Math.max(this.settings.pollIntervalMs, 5_000)));
      const wakeUp = () => finish();
      this.wakeUp = wakeUp;
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  private start(job: ClaimedJob): void {
    const { db, queue, leaseMs } = this.settings;
    const run: Run = {
      job,
      abandoned: false,
      done: Promise.resolve(),
      // Extend well before expiry so one slow round trip does not lose the lease.
      leaseTimer: setInterval(() => {
        extendLease(db, queue, job, leaseMs).then(
          (held) => {
            if (!held) clearInterval(run.leaseTimer);
          },
          (error) => this.settings.onError(error),
        );
      }, leaseMs / 3).unref(),
    };
    this.runs.add(run);
    run.done = this.execute(run).finally(() => {
      clearInterval(run.leaseTimer);
      this.runs.delete(run);
      this.wake();
    });
  }

  private async execute(run: Run): Promise<void> {
    const { db, queue, handler } = this.settings;
    const { job } = run;
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      const result = await handler({
        id: job.id,
        queue,
        name: job.name,
        data: job.data,
        attempt: job.attempt,
      });
      outcome = { ok: true, result };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (run.abandoned) return;
    try {
      if (outcome.ok) {
        await completeJob(db, queue, job, outcome.result);
      } else {
        const { retryAt } = await failJob(db, queue, job, outcome.error);
        if (retryAt !== undefined) this.wakeAt(retryAt);
      }
    } catch (error) {
      this.settings.onError(error);
    }
  }

  private async abandon(run: Run): Promise<void> {
    run.abandoned = true;
    clearInterval(run.leaseTimer);
    this.runs.delete(run);
    try {
      await releaseJob(this.settings.db, this.settings.queue, run.job);
    } catch (error) {
      this.settings.onError(error);
    }
  }
}
