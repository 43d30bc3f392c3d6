import { afterEach, describe, expect, it } from "vitest";
import type { Job, JobState, Queue } from "./queue.ts";

export interface QueueContractOptions {
  /**
   * Opens a new Queue on the current test's backing store (a fresh schema, a fresh Redis
   * prefix). Each call is a separate instance, like another process, over the same jobs. The
   * suite closes every queue it opened after each test, before the caller's own cleanup runs.
   * Give jobs a lease (or BullMQ lock) of at least 2 s: the suite checks that a job handed back
   * at shutdown runs again sooner than a lapsed lease would allow.
   */
  create: () => Promise<Queue>;
}

/** The behaviour every Queue implementation must show; call it from each implementation's test. */
export function runQueueContract(name: string, { create }: QueueContractOptions): void {
  describe(`Queue contract: ${name}`, () => {
    const opened: Queue[] = [];
    const blockedHandlers: Array<() => void> = [];

    async function open(): Promise<Queue> {
      const queue = await create();
      opened.push(queue);
      return queue;
    }

    /** A promise that stays pending until the test ends, for a handler that must not finish. */
    function blockUntilTestEnds(): Promise<void> {
      return new Promise((resolve) => blockedHandlers.push(resolve));
    }

    afterEach(async () => {
      for (const release of blockedHandlers.splice(0)) release();
      await Promise.all(opened.splice(0).map((queue) => queue.close(2_000)));
    });

    it("runs an enqueued job and keeps its result", async () => {
      const queue = await open();
      const seen: Job<{ n: number }>[] = [];
      queue.process<{ n: number }>("math", async (job) => {
        seen.push(job);
        return { doubled: job.data.n * 2 };
      });
      const { id } = await queue.enqueue("math", "double", { n: 21 });

      const state = await waitForStatus(queue, "math", id, "completed");
      expect(state).toMatchObject({ id, name: "double", status: "completed", attemptsMade: 1 });
      expect(state.result).toEqual({ doubled: 42 });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ id, queue: "math", name: "double", data: { n: 21 }, attempt: 1 });
      expect(await queue.getJob("math", "no-such-job")).toBeUndefined();
      await queue.ping();
    });

    it("runs up to `concurrency` jobs at once and never more", async () => {
      const queue = await open();
      let running = 0;
      let mostAtOnce = 0;
      queue.process(
        "parallel",
        async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(150);
          running -= 1;
        },
        { concurrency: 3 },
      );
      const ids = [];
      for (let index = 0; index < 7; index += 1)
        ids.push((await queue.enqueue("parallel", "work", { index })).id);

      for (const id of ids) await waitForStatus(queue, "parallel", id, "completed");
      expect(mostAtOnce).toBe(3);
    });

    it("retries a failing job with exponential backoff until it succeeds", async () => {
      const queue = await open();
      const tries: { attempt: number; at: number }[] = [];
      queue.process("flaky", async (job) => {
        tries.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 3) throw new Error(`failure ${job.attempt}`);
        return "third time lucky";
      });
      const { id } = await queue.enqueue(
        "flaky",
        "call",
        {},
        { attempts: 4, backoff: { type: "exponential", delayMs: 150 } },
      );

      const state = await waitForStatus(queue, "flaky", id, "completed");
      expect(state).toMatchObject({ attemptsMade: 3, result: "third time lucky" });
      expect(tries.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
      const [first, second, third] = tries.map((entry) => entry.at) as [number, number, number];
      // 150 ms after the first failure, 300 ms after the second; a little slack for timer rounding.
      expect(second - first).toBeGreaterThanOrEqual(140);
      expect(third - second).toBeGreaterThanOrEqual(290);
    });

    it("fails a job once its attempts are used up and keeps the error", async () => {
      const queue = await open();
      let calls = 0;
      queue.process("doomed", async (job) => {
        calls += 1;
        throw new Error(`boom on try ${job.attempt}`);
      });
      const { id } = await queue.enqueue(
        "doomed",
        "explode",
        {},
        { attempts: 2, backoff: { type: "fixed", delayMs: 50 } },
      );

      const state = await waitForStatus(queue, "doomed", id, "failed");
      expect(state).toMatchObject({ status: "failed", attemptsMade: 2, error: "boom on try 2" });
      await sleep(200);
      expect(calls).toBe(2);
    });

    it("does not run a delayed job before its time", async () => {
      const queue = await open();
      let ranAt = 0;
      queue.process("later", async () => {
        ranAt = Date.now();
      });
      const enqueuedAt = Date.now();
      const { id } = await queue.enqueue("later", "reminder", {}, { delayMs: 600 });
      expect((await queue.getJob("later", id))?.status).toBe("delayed");

      await waitForStatus(queue, "later", id, "completed");
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(590);
    });

    it("fires a repeatable cron job once per tick, across instances, until unscheduled", async () => {
      // Two instances process the queue, as two replicas would; each tick must still run once.
      const first = await open();
      const second = await open();
      const runs: { name: string; data: unknown }[] = [];
      for (const replica of [first, second]) {
        replica.process("cron", async (job) => {
          runs.push({ name: job.name, data: job.data });
        });
      }
      const startedAt = Date.now();
      await first.schedule("cron", "heartbeat", "* * * * * *", { source: "cron" });
      await second.schedule("cron", "heartbeat", "* * * * * *", { source: "cron" });

      await sleep(3_200);
      const elapsedSeconds = (Date.now() - startedAt) / 1000;
      expect(runs.length).toBeGreaterThanOrEqual(2);
      // At most one run per second boundary passed, plus one for a scheduler that fires at once.
      expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 1);
      expect(runs[0]).toEqual({ name: "heartbeat", data: { source: "cron" } });

      await first.unschedule("cron", "heartbeat");
      const runsWhenUnscheduled = runs.length;
      await sleep(1_100);
      // A tick already enqueued when unschedule ran may still run; no later ones.
      expect(runs.length).toBeLessThanOrEqual(runsWhenUnscheduled + 1);
    });

    it("runs each job exactly once when several instances take from one queue", async () => {
      const first = await open();
      const second = await open();
      const runsById = new Map<string, number>();
      for (const replica of [first, second]) {
        replica.process(
          "shared",
          async (job) => {
            runsById.set(job.id, (runsById.get(job.id) ?? 0) + 1);
            await sleep(10);
          },
          { concurrency: 2 },
        );
      }
      const ids: string[] = [];
      for (let index = 0; index < 20; index += 1)
        ids.push((await first.enqueue("shared", "work", { index })).id);

      for (const id of ids) await waitForStatus(second, "shared", id, "completed");
      await sleep(100);
      expect([...runsById.values()]).toEqual(ids.map(() => 1));
    });

    it("rejects malformed queue names, job options and cron expressions", async () => {
      const queue = await open();
      await expect(queue.enqueue("bad:name", "job", {})).rejects.toThrow(/queue/);
      await expect(queue.enqueue("valid", "job", {}, { attempts: 0 })).rejects.toThrow(/attempts/);
      await expect(queue.enqueue("valid", "job", {}, { delayMs: -5 })).rejects.toThrow(/delayMs/);
      await expect(queue.enqueue("valid", "job", {}, { jobId: "42" })).rejects.toThrow(/jobId/);
      await expect(queue.schedule("valid", "tick", "not a cron")).rejects.toThrow(/cron/);
      expect(() => queue.process("valid", async () => {}, { concurrency: 0 })).toThrow(/concurrency/);
    });

    it("treats a repeated jobId as the same job", async () => {
      const queue = await open();
      const seen: unknown[] = [];
      queue.process("reports", async (job) => {
        seen.push(job.data);
      });
      const first = await queue.enqueue("reports", "build", { version: 1 }, { jobId: "report-7" });
      const second = await queue.enqueue("reports", "build", { version: 2 }, { jobId: "report-7" });
      expect(first.id).toBe("report-7");
      expect(second.id).toBe("report-7");

      await waitForStatus(queue, "reports", "report-7", "completed");
      const third = await queue.enqueue("reports", "build", { version: 3 }, { jobId: "report-7" });
      expect(third.id).toBe("report-7");
      await sleep(300);
      expect(seen).toEqual([{ version: 1 }]);
    });

    it("close waits for running jobs to finish", async () => {
      const queue = await open();
      let started = false;
      queue.process("slow", async () => {
        started = true;
        await sleep(400);
        return "finished";
      });
      const { id } = await queue.enqueue("slow", "work", {});
      await waitUntil(() => started);

      await queue.close(5_000);
      const observer = await open();
      expect(await observer.getJob("slow", id)).toMatchObject({ status: "completed", result: "finished" });
    });

    it("close with a short timeout hands an unfinished job to the next instance", async () => {
      const first = await open();
      let firstRuns = 0;
      first.process("handover", async () => {
        firstRuns += 1;
        await blockUntilTestEnds();
        return "from the first instance";
      });
      const { id } = await first.enqueue("handover", "long", {});
      await waitUntil(() => firstRuns === 1);

      const closingAt = Date.now();
      await first.close(100);
      expect(Date.now() - closingAt).toBeLessThan(3_000);

      const second = await open();
      const attempts: number[] = [];
      second.process("handover", async (job) => {
        attempts.push(job.attempt);
        return "from the second instance";
      });
      // Sooner than a lapsed lease or lock would free it: the job was handed back, not abandoned.
      const state = await waitForStatus(second, "handover", id, "completed", 1_500);
      expect(state.result).toBe("from the second instance");
      expect(attempts).toEqual([2]);
      expect(firstRuns).toBe(1);
    });
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function waitForStatus(
  queue: Queue,
  name: string,
  id: string,
  status: JobState["status"],
  timeoutMs = 5_000,
): Promise<JobState> {
  let last: JobState | undefined;
  try {
    await waitUntil(async () => {
      last = await queue.getJob(name, id);
      return last?.status === status;
    }, timeoutMs);
  } catch {
    throw new Error(
      `Job ${id} did not reach '${status}' within ${timeoutMs} ms; last state ${JSON.stringify(last)}`,
    );
  }
  return last as JobState;
}
