import path from "node:path";
import { type Database, invalidRequest, type Queue } from "@nexus/core";
import type { Kysely } from "kysely";
import { BrowserError } from "./browser-error.ts";
import { zodOf } from "./browser-operations.ts";
import type { BrowserService, CallerContext } from "./browser-service.ts";
import { getBrowserSettings } from "./browser-settings.ts";
import type { TaskInput } from "./task-definition.ts";
import { runTask } from "./task-runner.ts";
import { type BrowserTask, type BrowserTaskRun, TaskStore } from "./task-store.ts";

export const browserTaskQueue = "browser-tasks";

interface ScheduledRunJob {
  workspaceId: string;
  taskId: string;
}

/**
 * Recorded tasks: saved and versioned in the store, run on demand (variables in memory only) or
 * on a schedule through core.queue (tasks without variables), each run's report and screenshots
 * kept under `<dataDir>/browser/runs/<runId>`.
 */
export function createBrowserTasks(options: {
  db: Kysely<Database>;
  browser: BrowserService;
  dataDir: string;
  queue?: Queue;
  onRunError?: (error: unknown) => void;
}) {
  const store = new TaskStore(options.db);
  const runDir = (runId: string) => path.join(options.dataDir, "browser", "runs", runId);

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
      await options.queue.schedule(browserTaskQueue, name, task.schedule, { workspaceId, taskId: task.id });
    } catch (error) {
      throw invalidRequest(`Invalid schedule: ${(error as Error).message}`, "schedule");
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
    const run = await store.createRun(context.workspaceId, task);
    // The run outlives the request that started it: its own signal, not the client's.
    const runContext = { ...context, signal: new AbortController().signal };
    const finished = runTask(options.browser, runContext, task.definition, {
      variables,
      runDir: runDir(run.id),
      db: options.db,
    })
      .catch((error) => ({
        status: "failed" as const,
        steps: [],
        durationMs: 0,
        usage: { calls: 0, promptTokens: 0, completionTokens: 0, modelMs: 0 },
        output: undefined,
        error: (error as Error).message,
      }))
      .then(async (report) => {
        await store.finishRun(run.id, report);
        return store.getRun(context.workspaceId, run.id);
      })
      .catch((error) => {
        options.onRunError?.(error);
        return run;
      });
    return { run, finished };
  }

  if (options.queue) {
    options.queue.process<ScheduledRunJob>(browserTaskQueue, async (job) => {
      const context = {
        workspaceId: job.data.workspaceId,
        apiKeyId: null,
        signal: new AbortController().signal,
      };
      const { finished } = await start(context, job.data.taskId, {});
      const run = await finished;
      return { runId: run.id, status: run.status };
    });
  }

  return {
    store,
    runDir,
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

export type BrowserTasks = ReturnType<typeof createBrowserTasks>;
