/**
 * A worker process for queue-kill.test.ts: opens the queue described by the JSON in argv[2],
 * reports each job it starts as a JSON line on stdout and never finishes one, so the test can
 * SIGKILL it mid-job.
 */
import { openStore } from "../../store/database.ts";
import { createBullmqQueue } from "../bullmq-queue.ts";
import { createLocalQueue } from "../local-queue.ts";
import type { Queue } from "../queue.ts";

export type KillWorkerConfig =
  | { kind: "local"; queue: string; file: string; leaseMs: number; pollIntervalMs: number }
  | {
      kind: "bullmq";
      queue: string;
      redisUrl: string;
      prefix: string;
      lockDurationMs: number;
      stalledIntervalMs: number;
    };

const config = JSON.parse(process.argv[2] ?? "{}") as KillWorkerConfig;

async function openQueue(): Promise<Queue> {
  if (config.kind === "local") {
    const store = await openStore({ kind: "sqlite", file: config.file });
    return createLocalQueue({ store, leaseMs: config.leaseMs, pollIntervalMs: config.pollIntervalMs });
  }
  return createBullmqQueue(config);
}

const queue = await openQueue();
queue.process(config.queue, async (job) => {
  process.stdout.write(`${JSON.stringify({ event: "started", id: job.id, attempt: job.attempt })}\n`);
  await new Promise(() => {});
});
process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
