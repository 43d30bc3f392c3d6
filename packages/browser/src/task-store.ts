import { type Database, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import { BrowserError } from "./browser-error.ts";
import type { TaskDefinition, TaskInput } from "./task-definition.ts";
import type { TaskReport } from "./task-runner.ts";

export interface BrowserTask {
  id: string;
  version: number;
  name: string;
  definition: TaskDefinition;
  schedule: string | null;
  createdAt: string;
}

export interface BrowserTaskRun {
  id: string;
  taskId: string;
  version: number;
  status: "queued" | "running" | "succeeded" | "failed";
  error: string | null;
  report: TaskReport | null;
  createdAt: string;
  finishedAt: string | null;
}

type TaskRow = {
  task_id: string;
  version: number;
  name: string;
  definition: string;
  schedule_cron: string | null;
  created_at: string;
};
const toTask = (row: TaskRow): BrowserTask => ({
  id: row.task_id,
  version: row.version,
  name: row.name,
  definition: JSON.parse(row.definition),
  schedule: row.schedule_cron,
  createdAt: row.created_at,
});

/** Recorded tasks, versioned (saving a task adds a version; runs name the version they ran), and their runs. */
export class TaskStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(workspaceId: string, input: TaskInput): Promise<BrowserTask> {
    return this.insert(workspaceId, newId("btask"), 1, input);
  }

  /** Saves a new version of the task. */
  async update(workspaceId: string, taskId: string, input: TaskInput): Promise<BrowserTask> {
    const latest = await this.get(workspaceId, taskId);
    return this.insert(workspaceId, taskId, latest.version + 1, input);
  }

  private async insert(
    workspaceId: string,
    taskId: string,
    version: number,
    input: TaskInput,
  ): Promise<BrowserTask> {
    const row = {
      id: newId("btv"),
      task_id: taskId,
      workspace_id: workspaceId,
      version,
      name: input.name,
      definition: JSON.stringify(input.definition),
      schedule_cron: input.schedule ?? null,
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto("browser_tasks").values(row).execute();
    return toTask(row);
  }

  /** The latest version, or the given one. Another workspace's task is not found. */
  async get(workspaceId: string, taskId: string, version?: number): Promise<BrowserTask> {
    let query = this.db
      .selectFrom("browser_tasks")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("task_id", "=", taskId);
    query =
      version === undefined
        ? query.orderBy("version", "desc").limit(1)
        : query.where("version", "=", version);
    const row = await query.executeTakeFirst();
    if (!row)
      throw new BrowserError(
        "task_not_found",
        `Browser task '${taskId}'${version ? ` version ${version}` : ""} not found`,
      );
    return toTask(row);
  }

  async versions(workspaceId: string, taskId: string): Promise<BrowserTask[]> {
    const rows = await this.db
      .selectFrom("browser_tasks")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("task_id", "=", taskId)
      .orderBy("version", "desc")
      .execute();
    if (rows.length === 0) throw new BrowserError("task_not_found", `Browser task '${taskId}' not found`);
    return rows.map(toTask);
  }

  /** Latest version of each task in the workspace. */
  async list(workspaceId: string): Promise<BrowserTask[]> {
    const rows = await this.db
      .selectFrom("browser_tasks")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at", "desc")
      .execute();
    const latest = new Map<string, TaskRow>();
    for (const row of rows) {
      const seen = latest.get(row.task_id);
      if (!seen || seen.version < row.version) latest.set(row.task_id, row);
    }
    return [...latest.values()].map(toTask);
  }

  /** Every scheduled task's latest version, across workspaces (for the scheduler at start). */
  async scheduled(): Promise<Array<BrowserTask & { workspaceId: string }>> {
    const rows = await this.db.selectFrom("browser_tasks").selectAll().orderBy("version", "desc").execute();
    const latest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) if (!latest.has(row.task_id)) latest.set(row.task_id, row);
    return [...latest.values()]
      .filter((row) => row.schedule_cron)
      .map((row) => ({ ...toTask(row), workspaceId: row.workspace_id }));
  }

  async delete(workspaceId: string, taskId: string): Promise<void> {
    await this.get(workspaceId, taskId);
    await this.db
      .deleteFrom("browser_tasks")
      .where("workspace_id", "=", workspaceId)
      .where("task_id", "=", taskId)
      .execute();
    await this.db
      .deleteFrom("browser_run_screenshots")
      .where("workspace_id", "=", workspaceId)
      .where("run_id", "in", (query) =>
        query.selectFrom("browser_task_runs").select("id").where("task_id", "=", taskId),
      )
      .execute();
    await this.db
      .deleteFrom("browser_task_runs")
      .where("workspace_id", "=", workspaceId)
      .where("task_id", "=", taskId)
      .execute();
  }

  /**
   * A new run of `task`: `running` when this process runs it now, `queued` when a worker will.
   * `id` names a scheduled tick's run (one per tick, however often its job is tried).
   */
  async createRun(
    workspaceId: string,
    task: BrowserTask,
    options: { id?: string; status?: "queued" | "running" } = {},
  ): Promise<BrowserTaskRun> {
    const status = options.status ?? "running";
    const run = {
      id: options.id ?? newId("brun"),
      workspace_id: workspaceId,
      task_id: task.id,
      version: task.version,
      status,
      report: null,
      error: null,
      created_at: new Date().toISOString(),
      finished_at: null,
      heartbeat_at: null,
    };
    await this.db.insertInto("browser_task_runs").values(run).execute();
    return {
      id: run.id,
      taskId: task.id,
      version: task.version,
      status,
      error: null,
      report: null,
      createdAt: run.created_at,
      finishedAt: null,
    };
  }

  /** A queued run (or one whose worker died) starts, or starts again, here. */
  async startRun(runId: string): Promise<void> {
    await this.db
      .updateTable("browser_task_runs")
      .set({
        status: "running",
        report: null,
        error: null,
        finished_at: null,
        heartbeat_at: new Date().toISOString(),
      })
      .where("id", "=", runId)
      .execute();
    await this.db.deleteFrom("browser_run_screenshots").where("run_id", "=", runId).execute();
  }

  /** This process still runs `runId` (see `liveTryOf` in browser-tasks.ts). */
  async heartbeat(runId: string): Promise<void> {
    await this.db
      .updateTable("browser_task_runs")
      .set({ heartbeat_at: new Date().toISOString() })
      .where("id", "=", runId)
      .where("finished_at", "is", null)
      .execute();
  }

  /** The run with this id in any workspace (a queue job names its run), or undefined. */
  async findRun(
    runId: string,
  ): Promise<(BrowserTaskRun & { workspaceId: string; heartbeatAt: string | null }) | undefined> {
    const row = await this.db
      .selectFrom("browser_task_runs")
      .selectAll()
      .where("id", "=", runId)
      .executeTakeFirst();
    return row ? { ...toRun(row), workspaceId: row.workspace_id, heartbeatAt: row.heartbeat_at } : undefined;
  }

  async saveScreenshot(workspaceId: string, runId: string, name: string, image: Buffer): Promise<void> {
    await this.db
      .deleteFrom("browser_run_screenshots")
      .where("run_id", "=", runId)
      .where("name", "=", name)
      .execute();
    await this.db
      .insertInto("browser_run_screenshots")
      .values({
        run_id: runId,
        name,
        workspace_id: workspaceId,
        image_base64: image.toString("base64"),
        created_at: new Date().toISOString(),
      })
      .execute();
  }

  /** A step's screenshot; another workspace's is not found. */
  async screenshot(workspaceId: string, runId: string, name: string): Promise<Buffer> {
    const row = await this.db
      .selectFrom("browser_run_screenshots")
      .select("image_base64")
      .where("workspace_id", "=", workspaceId)
      .where("run_id", "=", runId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw new BrowserError("task_not_found", `Screenshot '${name}' not found`);
    return Buffer.from(row.image_base64, "base64");
  }

  async finishRun(runId: string, report: TaskReport): Promise<void> {
    await this.db
      .updateTable("browser_task_runs")
      .set({
        status: report.status,
        report: JSON.stringify(report),
        error: report.error ?? null,
        finished_at: new Date().toISOString(),
      })
      .where("id", "=", runId)
      .execute();
  }

  async getRun(workspaceId: string, runId: string): Promise<BrowserTaskRun> {
    const row = await this.db
      .selectFrom("browser_task_runs")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", runId)
      .executeTakeFirst();
    if (!row) throw new BrowserError("task_not_found", `Browser task run '${runId}' not found`);
    return toRun(row);
  }

  async runs(workspaceId: string, taskId: string, limit = 50): Promise<BrowserTaskRun[]> {
    const rows = await this.db
      .selectFrom("browser_task_runs")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("task_id", "=", taskId)
      .orderBy("created_at", "desc")
      .limit(limit)
      .execute();
    return rows.map(toRun);
  }
}

function toRun(row: {
  id: string;
  task_id: string;
  version: number;
  status: BrowserTaskRun["status"];
  report: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}): BrowserTaskRun {
  return {
    id: row.id,
    taskId: row.task_id,
    version: row.version,
    status: row.status,
    error: row.error,
    report: row.report ? JSON.parse(row.report) : null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
