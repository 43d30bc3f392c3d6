import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { CodeExecutionError, type CodeExecutionErrorKind } from "./code-execution-error.ts";
import type { CodeLimits } from "./code-limits.ts";

const workerUrl = new URL("./javascript-worker.mjs", import.meta.url);
const poolSize = Math.max(2, Math.min(4, availableParallelism()));
/** Past its own deadline a job's worker gets this long to answer before it is terminated. */
const graceMs = 1000;

interface Job {
  id: number;
  code: string;
  inputs: string;
  limits: Required<CodeLimits>;
  signal: AbortSignal | undefined;
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: CodeExecutionError) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  watchdog?: NodeJS.Timeout;
  onAbort?: () => void;
}

type WorkerReply =
  | { ready: true }
  | { id: number; result: Record<string, unknown> }
  | { id: number; error: { kind: CodeExecutionErrorKind; message: string } };

const slots: Slot[] = [];
const queue: Job[] = [];
let nextId = 1;

/**
 * Runs `main(inputs)` of a JavaScript code node in a fresh QuickJS runtime (WebAssembly) on a
 * worker thread: no network, no file system, no host objects; a deadline interrupt, a heap limit
 * and a stack limit inside, and the worker terminated if it ever overstays. The server's event
 * loop never waits on user code.
 */
export function runJavaScript(
  code: string,
  inputs: Record<string, unknown>,
  limits: Required<CodeLimits>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  if (signal?.aborted) return Promise.reject(new CodeExecutionError("aborted", "the run was cancelled"));
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, code, inputs: JSON.stringify(inputs), limits, signal, resolve, reject });
    dispatch();
  });
}

/** Starts the worker threads now rather than on the first run. */
export function warmUpJavaScript(): Promise<void> {
  while (slots.length < poolSize) slots.push(startWorker());
  return Promise.all(
    slots.map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.ready) resolve();
          else slot.worker.once("message", () => resolve());
          slot.worker.once("exit", () => resolve());
        }),
    ),
  ).then(() => {});
}

function dispatch(): void {
  while (queue.length > 0) {
    const idle = slots.find((slot) => slot.ready && slot.job === null);
    if (!idle) {
      if (slots.length < poolSize) slots.push(startWorker());
      return;
    }
    assign(idle, queue.shift() as Job);
  }
}

function assign(slot: Slot, job: Job): void {
  if (job.signal?.aborted) {
    job.reject(new CodeExecutionError("aborted", "the run was cancelled"));
    return;
  }
  slot.job = job;
  slot.worker.ref();
  slot.watchdog = setTimeout(() => {
    replace(
      slot,
      new CodeExecutionError(
        "timeout",
        `the code ran longer than the time limit of ${job.limits.timeoutMs} ms`,
      ),
    );
  }, job.limits.timeoutMs + graceMs);
  slot.onAbort = () => replace(slot, new CodeExecutionError("aborted", "the run was cancelled"));
  job.signal?.addEventListener("abort", slot.onAbort, { once: true });
  slot.worker.postMessage({ id: job.id, code: job.code, inputs: job.inputs, limits: job.limits });
}

function startWorker(): Slot {
  const worker = new Worker(workerUrl);
  const slot: Slot = { worker, ready: false, job: null };
  worker.unref();
  worker.on("message", (reply: WorkerReply) => {
    if ("ready" in reply) {
      slot.ready = true;
      dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    settle(slot);
    if ("result" in reply) job.resolve(reply.result);
    else job.reject(new CodeExecutionError(reply.error.kind, reply.error.message));
    // The WebAssembly memory a run grew never shrinks: a fresh worker gives it back.
    if ("error" in reply && reply.error.kind === "memory") replace(slot, null);
    else dispatch();
  });
  worker.on("error", (error) => {
    if (!slot.ready) {
      // It could not even start (QuickJS missing or broken): fail what waits instead of retrying forever.
      for (const waiting of queue.splice(0)) {
        waiting.reject(
          new CodeExecutionError("unavailable", `the JavaScript sandbox cannot start: ${error.message}`),
        );
      }
    }
    replace(slot, new CodeExecutionError("crashed", `the JavaScript sandbox failed: ${error.message}`));
  });
  worker.on("exit", () =>
    replace(slot, new CodeExecutionError("crashed", "the JavaScript sandbox stopped during the run")),
  );
  return slot;
}

function settle(slot: Slot): void {
  clearTimeout(slot.watchdog);
  if (slot.onAbort) slot.job?.signal?.removeEventListener("abort", slot.onAbort);
  slot.job = null;
  slot.worker.unref();
}

/** Terminates a slot's worker (failing its job with `error`) and lets dispatch start another. */
function replace(slot: Slot, error: CodeExecutionError | null): void {
  const index = slots.indexOf(slot);
  if (index === -1) return;
  slots.splice(index, 1);
  const job = slot.job;
  settle(slot);
  if (job && error) job.reject(error);
  void slot.worker.terminate();
  dispatch();
}
