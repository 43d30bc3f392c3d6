import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../store/database.ts";
import { testRedisUrl } from "../testing/test-databases.ts";
import type { KillWorkerConfig } from "./__fixtures__/kill-worker.ts";
import { deleteKeys } from "./__fixtures__/redis-keys.ts";
import { createBullmqQueue } from "./bullmq-queue.ts";
import { createLocalQueue } from "./local-queue.ts";
import type { Queue } from "./queue.ts";

/**
 * A worker process dies (SIGKILL) in the middle of a job. Nothing is lost: once its lease or
 * lock lapses another worker runs the job again, exactly once, as a new attempt.
 */
const repositoryRoot = path.resolve(import.meta.dirname, "../../../..");
const fixture = path.join(import.meta.dirname, "__fixtures__", "kill-worker.ts");
const redisUrl = testRedisUrl;

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("a worker killed mid-job", () => {
  it("local queue on SQLite: another worker runs the job once more", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-queue-kill-"));
    cleanups.push(() => fs.rmSync(directory, { recursive: true, force: true }));
    const file = path.join(directory, "nexus.db");
    const store = await openStore({ kind: "sqlite", file });
    cleanups.push(() => store.close());
    const timings = { leaseMs: 1_000, pollIntervalMs: 20 };

    await expectJobSurvivesKill({
      queue: open(createLocalQueue({ store, ...timings, onError: () => {} })),
      worker: { kind: "local", queue: "kill", file, ...timings },
    });
  });

  it("BullMQ: the stalled job is picked up by another worker and runs once more", async () => {
    const prefix = `nexus-test-${randomBytes(6).toString("hex")}`;
    const admin = new Redis(redisUrl);
    cleanups.push(async () => {
      await deleteKeys(admin, `${prefix}:*`);
      await admin.quit();
    });
    const timings = { lockDurationMs: 1_000, stalledIntervalMs: 500 };

    await expectJobSurvivesKill({
      queue: open(createBullmqQueue({ redisUrl, prefix, ...timings, onError: () => {} })),
      worker: { kind: "bullmq", queue: "kill", redisUrl, prefix, ...timings },
    });
  });
});

function open(queue: Queue): Queue {
  cleanups.push(() => queue.close(1_000));
  return queue;
}

async function expectJobSurvivesKill({ queue, worker }: { queue: Queue; worker: KillWorkerConfig }) {
  const { id } = await queue.enqueue(worker.queue, "long-task", { step: 1 });
  const child = spawnWorker(worker);

  const started = await child.nextMessage((message) => message.event === "started");
  expect(started).toMatchObject({ id, attempt: 1 });
  expect((await queue.getJob(worker.queue, id))?.status).toBe("active");

  child.process.kill("SIGKILL");
  await child.exited;

  const attempts: number[] = [];
  queue.process(worker.queue, async (job) => {
    attempts.push(job.attempt);
    return { survived: job.data };
  });
  const deadline = Date.now() + 15_000;
  while ((await queue.getJob(worker.queue, id))?.status !== "completed") {
    if (Date.now() > deadline)
      throw new Error(`Job not recovered; state ${JSON.stringify(await queue.getJob(worker.queue, id))}`);
    await sleep(50);
  }
  // Long enough for another lease or lock to lapse: a duplicate run would show up here.
  await sleep(1_500);
  expect(attempts).toEqual([2]);
  expect(await queue.getJob(worker.queue, id)).toMatchObject({
    status: "completed",
    attemptsMade: 2,
    result: { survived: { step: 1 } },
  });
}

interface SpawnedWorker {
  process: ChildProcess;
  exited: Promise<void>;
  nextMessage: (predicate: (message: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
}

function spawnWorker(config: KillWorkerConfig): SpawnedWorker {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify(config)], {
    cwd: repositoryRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    messages.push(JSON.parse(line));
    for (const waiter of waiters) waiter();
  });

  return {
    process: child,
    exited,
    nextMessage: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          finish();
          resolve(found);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Worker process sent no matching message in 20 s; stderr: ${stderr}`));
        }, 20_000);
        const onExit = () => {
          finish();
          reject(new Error(`Worker process exited early (${child.exitCode}); stderr: ${stderr}`));
        };
        function finish() {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
        }
        waiters.add(check);
        child.once("exit", onExit);
        check();
      }),
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
