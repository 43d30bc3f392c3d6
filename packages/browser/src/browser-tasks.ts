import { createHash } from "node:crypto";
import { type Database, invalidRequest, type Queue } from "@nexus/core";
import type { Kysely } from "kysely";
import { BrowserError } from "./browser-error.ts";
import { zodOf } from "./browser-operations.ts";
import type { BrowserService, CallerContext } from "./browser-service.ts";
import { getBrowserSettings } from "./browser-settings.ts";
import type { TaskInput } from "./task-definition.ts";
import { runTask, type TaskReport } from "./task-runner.ts";
import { type BrowserTask, type BrowserTaskRun, TaskStore } from "./task-store.ts";

export const browserTaskQueue = "browser-tasks";

/**
 * A job of the `browser-tasks` queue: a schedule's tick (no `runId`: the run is made when the job
 * starts, its id derived from the tick's job id) or a run queued on demand (`runId`, `version`).
 */
interface TaskRunJob {
  workspaceId: string;
  taskId: string;
  runId?: string;
  version?: number;
}

/** How often a caller waiting on a run another process runs looks at the store. */
const pollMs = 250;
/** How often a running run renews its heartbeat. */
const heartbeatMs = 2_000;

/**
 * Recorded tasks: saved and versioned in the store, run on demand (variables in memory only) or
 * on a schedule through core.queue (tasks without variables); each run's report and screenshots
 * are kept in the store, so any replica serves a run whichever process ran it.
 *
 * `serveRuns` (default true) says whether this process runs them: schedule ticks and queued
 * runs from the `browser-tasks` queue, and runs started here. False (a server with
 * NEXUS_SERVE_RUNS=false): it only queues runs, and `nexus worker` processes run them. A run
 * with variables always runs where it was started, since its values must not be stored (not even
 * in a queue job).
 */
export function createBrowserTasks(options: {
  db: Kysely<Database>;
  browser: BrowserService;
  queue?: Queue;
  serveRuns?: boolean;
  /** Runs at once from the queue; default 1. */
  concurrency?: number;
  /**
   * A run whose heartbeat is older than this has lost its process; default 15 s, well past a
   * heartbeat that a busy machine delays (a stalled job's lock is lost after NEXUS_QUEUE_LOCK_MS).
   */
  staleAfterMs?: number;
  onRunError?: (error: unknown) => void;
}) {
  const store = new TaskStore(options.db);
  const serveRuns = options.serveRuns ?? true;
  const staleAfterMs = options.staleAfterMs ?? 15_000;

  async function validate(workspaceId: string, input: TaskInput) {
    const settings = await getBrowserSettings(options.db, workspaceId);
    if (input.definition.steps.length > settings.maxSteps) {
      throw new BrowserError(
        "max_steps",
        `The task has ${input.definition.steps.length} steps; the workspace allows ${settings.maxSteps}`,
      );
    }
    if (input.definition.extractionSchema) zodOf(input.definition.extractionSchema);
    for (const step of input.definition.steps) if (step.type === "extract" && step.schema) zodOf(step.schema);
    if (input.schedule && input.definition.variables.length > 0) {
      throw invalidRequest(
        "A task with variables cannot be scheduled (their values are never stored)",
        "schedule",
      );
    }
  }

  async function applySchedule(workspaceId: string, task: BrowserTask) {
    if (!options.queue) return;
    const name = `task:${task.id}`;
    if (!task.schedule) return options.queue.unschedule(browserTaskQueue, name);
    try {
      // Idempotent per name, and each tick is one job whichever process takes it (core.queue).
      await options.queue.schedule(browserTaskQueue, name, task.schedule, { workspaceId, taskId: task.id });
    } catch (error) {
      throw invalidRequest(`Invalid schedule: ${(error as Error).message}`, "schedule");
    }
  }

  /** Runs `run` of `task` here and stores its report; settles with the run (never rejects). */
  async function execute(
    context: CallerContext,
    task: BrowserTask,
    run: BrowserTaskRun,
    variables: Record<string, string>,
  ): Promise<BrowserTaskRun> {
    const beat = setInterval(() => store.heartbeat(run.id).catch(options.onRunError), heartbeatMs);
    const report = await runTask(options.browser, context, task.definition, {
      variables,
      saveScreenshot: (name, image) => store.saveScreenshot(context.workspaceId, run.id, name, image),
      db: options.db,
    })
      .catch((error): TaskReport => failedReport((error as Error).message))
      .finally(() => clearInterval(beat));
    try {
      await store.finishRun(run.id, report);
      return await store.getRun(context.workspaceId, run.id);
    } catch (error) {
      options.onRunError?.(error);
      return run;
    }
  }

  /** Settles once a run another process runs has ended (or the caller went away). */
  async function waitFor(context: CallerContext, runId: string): Promise<BrowserTaskRun> {
    for (;;) {
      const run = await store.getRun(context.workspaceId, runId).catch(() => undefined);
      if (!run) throw new BrowserError("task_not_found", `Browser task run '${runId}' not found`);
      if (run.finishedAt || context.signal.aborted) return run;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Starts a run; `finished` settles with the run once it ended (it never rejects). */
  async function start(
    context: CallerContext,
    taskId: string,
    input: { variables?: Record<string, string>; version?: number },
  ): Promise<{ run: BrowserTaskRun; finished: Promise<BrowserTaskRun> }> {
    const task = await store.get(context.workspaceId, taskId, input.version);
    const variables = input.variables ?? {};
    const missing = task.definition.variables.filter((name) => variables[name] === undefined);
    if (missing.length)
      throw invalidRequest(`Missing values for the task's variables: ${missing.join(", ")}`, "variables");
    if (!serveRuns && options.queue && task.definition.variables.length === 0) {
      const run = await store.createRun(context.workspaceId, task, { status: "queued" });
      const job: TaskRunJob = {
        workspaceId: context.workspaceId,
        taskId,
        runId: run.id,
        version: task.version,
      };
      await options.queue.enqueue(browserTaskQueue, `run:${taskId}`, job, { jobId: run.id });
      const finished = waitFor(context, run.id).catch(() => run);
      return { run, finished };
    }
    const run = await store.createRun(context.workspaceId, task);
    // The run outlives the request that started it: its own signal, not the client's.
    const runContext = { ...context, signal: new AbortController().signal };
    return { run, finished: execute(runContext, task, run, variables) };
  }

  /**
   * The run as its job finds it, once no other process is running it: a job handed out again
   * while its first try still runs (BullMQ takes a job back from a worker it has not heard from
   * within the lock: a busy worker as well as a dead one) waits for that try to end or to stop
   * beating, so a task runs twice only when its first process is gone.
   */
  async function liveTryOf(runId: string) {
    for (;;) {
      const run = await store.findRun(runId);
      const beating =
        run !== undefined &&
        run.finishedAt === null &&
        run.heartbeatAt !== null &&
        Date.now() - Date.parse(run.heartbeatAt) < staleAfterMs;
      if (!beating) return run;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** A job from the queue: a schedule's tick or a run queued on demand. */
  async function runJob(job: { id: string; data: TaskRunJob }) {
    const { workspaceId, taskId } = job.data;
    const context = { workspaceId, apiKeyId: null, signal: new AbortController().signal };
    // One run per tick: a job tried again (its worker died) finds the run its first try made.
    const runId =
      job.data.runId ?? `brun_tick_${createHash("sha256").update(job.id).digest("hex").slice(0, 24)}`;
    const existing = await liveTryOf(runId);
    if (existing?.finishedAt) return { runId, status: existing.status };
    const task = await store.get(workspaceId, taskId, existing?.version ?? job.data.version);
    const run = existing ?? (await store.createRun(workspaceId, task, { id: runId }));
    await store.startRun(run.id);
    const finished = await execute(context, task, run, {});
    return { runId: finished.id, status: finished.status };
  }

  if (options.queue && serveRuns) {
    options.queue.process<TaskRunJob>(browserTaskQueue, runJob, { concurrency: options.concurrency ?? 1 });
  }

  return {
    store,
    async create(workspaceId: string, input: TaskInput) {
      await validate(workspaceId, input);
      const task = await store.create(workspaceId, input);
      await applySchedule(workspaceId, task);
      return task;
    },
    async update(workspaceId: string, taskId: string, input: TaskInput) {
      await validate(workspaceId, input);
      const task = await store.update(workspaceId, taskId, input);
      await applySchedule(workspaceId, task);
      return task;
    },
    async delete(workspaceId: string, taskId: string) {
      await store.delete(workspaceId, taskId);
      await options.queue?.unschedule(browserTaskQueue, `task:${taskId}`);
    },
    start,
  };
}

function failedReport(message: string): TaskReport {
  return {
    status: "failed",
    steps: [],
    durationMs: 0,
    usage: { calls: 0, promptTokens: 0, completionTokens: 0, modelMs: 0 },
    output: undefined,
    error: message,
  };
}

export type BrowserTasks = ReturnType<typeof createBrowserTasks>;
