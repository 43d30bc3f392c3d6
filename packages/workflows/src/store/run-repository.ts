import { type Database, notFound } from "@nexus/core";
import type { Kysely } from "kysely";
import type { EngineEvent } from "../engine/engine-events.ts";
import type { RunOutcome } from "../engine/run-workflow.ts";

export interface NodeRunRecord {
  id: string;
  nodeId: string;
  nodeType: string;
  title: string;
  index: number;
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  error: string | null;
  tokens: number;
  retries: number;
  containerId: string | null;
  round: number | null;
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
}

export interface RunRecord {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  query: string | null;
  conversationId: string | null;
  user: string | null;
  triggeredFrom: string;
  totalSteps: number;
  totalTokens: number;
  elapsedMs: number | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface NewRun {
  id: string;
  workspaceId: string;
  workflowId: string;
  workflowVersion: number;
  inputs: Record<string, unknown>;
  query?: string;
  conversationId?: string;
  user?: string;
  triggeredFrom: string;
  createdAt: string;
  /** The process running it (durable runs: another takes over when its heartbeat goes stale). */
  runnerId?: string;
  /** `queued` when it waits for a worker; default `running`. */
  status?: "running" | "queued";
}

export async function insertRun(db: Kysely<Database>, run: NewRun): Promise<void> {
  await db.insertInto("workflow_runs").values(runRow(run)).execute();
}

/** A run that finished before it was first written: its row, outcome and nodes. */
export interface FinishedRun {
  run: NewRun;
  outcome: RunOutcome;
  nodes: NodeFinished[];
}

/** Writes finished runs, rows and node results, in one transaction (two statements for any number). */
export async function insertFinishedRuns(db: Kysely<Database>, runs: FinishedRun[]): Promise<void> {
  if (runs.length === 0) return;
  const nodeRows = runs.flatMap(({ run, nodes }) =>
    nodes.map((event) => nodeRow(run.workspaceId, run.id, event)),
  );
  await db.transaction().execute(async (transaction) => {
    await transaction
      .insertInto("workflow_runs")
      .values(runs.map(({ run, outcome }) => ({ ...runRow(run), ...outcomeFields(outcome) })))
      .execute();
    if (nodeRows.length > 0) await transaction.insertInto("workflow_node_runs").values(nodeRows).execute();
  });
}

function runRow(run: NewRun) {
  return {
    id: run.id,
    workspace_id: run.workspaceId,
    workflow_id: run.workflowId,
    workflow_version: run.workflowVersion,
    status: run.status ?? "running",
    inputs: JSON.stringify(run.inputs),
    outputs: null,
    error: null,
    query: run.query ?? null,
    conversation_id: run.conversationId ?? null,
    end_user: run.user ?? null,
    triggered_from: run.triggeredFrom,
    total_steps: 0,
    total_tokens: 0,
    elapsed_ms: null,
    created_at: run.createdAt,
    finished_at: null,
    runner_id: run.runnerId ?? null,
    heartbeat_at: run.runnerId ? new Date().toISOString() : null,
  };
}

function outcomeFields(outcome: RunOutcome) {
  return {
    status: outcome.status,
    outputs: safeJson(outcome.outputs),
    error: outcome.error ?? null,
    total_steps: outcome.totalSteps,
    total_tokens: outcome.totalTokens,
    elapsed_ms: outcome.elapsedMs,
    finished_at: new Date().toISOString(),
  };
}

type NodeFinished = Extract<EngineEvent, { type: "node_finished" }>;

/**
 * Writes node executions as they finish (durable history, also for a run that dies later).
 * Nodes that finish together go in one statement.
 */
export async function insertNodeRuns(
  db: Kysely<Database>,
  workspaceId: string,
  runId: string,
  events: NodeFinished[],
): Promise<void> {
  if (events.length === 0) return;
  // A side-effecting node's "running" marker row is replaced by its result.
  await db
    .insertInto("workflow_node_runs")
    .values(events.map((event) => nodeRow(workspaceId, runId, event)))
    .onConflict((conflict) =>
      conflict.column("id").doUpdateSet((update) => ({
        status: update.ref("excluded.status"),
        inputs: update.ref("excluded.inputs"),
        outputs: update.ref("excluded.outputs"),
        error: update.ref("excluded.error"),
        tokens: update.ref("excluded.tokens"),
        retries: update.ref("excluded.retries"),
        finished_at: update.ref("excluded.finished_at"),
        elapsed_ms: update.ref("excluded.elapsed_ms"),
        handle: update.ref("excluded.handle"),
        note: update.ref("excluded.note"),
      })),
    )
    .execute();
}

type NodeStarted = Extract<EngineEvent, { type: "node_started" }>;

/** Marks side-effecting nodes as started, so a run resumed after a crash knows they may have acted. */
export async function insertNodeStarts(
  db: Kysely<Database>,
  workspaceId: string,
  runId: string,
  events: NodeStarted[],
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto("workflow_node_runs")
    .values(
      events.map((event) => ({
        id: event.executionId,
        run_id: runId,
        workspace_id: workspaceId,
        node_id: event.node.id,
        node_type: event.node.data.type,
        title: event.node.data.title,
        step_index: event.index,
        status: "running",
        inputs: "{}",
        outputs: "{}",
        error: null,
        tokens: 0,
        retries: 0,
        container_id: event.containerId ?? null,
        round: event.round ?? null,
        started_at: new Date(event.startedAt).toISOString(),
        finished_at: new Date(event.startedAt).toISOString(),
        elapsed_ms: 0,
        handle: null,
        note: null,
      })),
    )
    .onConflict((conflict) => conflict.column("id").doNothing())
    .execute();
}

function nodeRow(workspaceId: string, runId: string, event: NodeFinished) {
  return {
    id: event.executionId,
    run_id: runId,
    workspace_id: workspaceId,
    node_id: event.node.id,
    node_type: event.node.data.type,
    title: event.node.data.title,
    step_index: event.index,
    status: event.status,
    inputs: safeJson(event.inputs),
    outputs: safeJson(event.outputs),
    error: event.error ?? null,
    tokens: event.tokens,
    retries: event.retries,
    container_id: event.containerId ?? null,
    round: event.round ?? null,
    started_at: new Date(event.startedAt).toISOString(),
    finished_at: new Date(event.finishedAt).toISOString(),
    elapsed_ms: event.finishedAt - event.startedAt,
    handle: event.handle,
    note: event.note ?? null,
  };
}

export async function finishRun(db: Kysely<Database>, runId: string, outcome: RunOutcome): Promise<void> {
  await db.updateTable("workflow_runs").set(outcomeFields(outcome)).where("id", "=", runId).execute();
}

/** JSON text of a value; values JSON cannot hold (cycles, bigint) are described instead. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return JSON.stringify({ unserializable: String(value) });
  }
}

function runOf(row: Database["workflow_runs"]): RunRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: row.status,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    outputs: row.outputs === null ? null : (JSON.parse(row.outputs) as Record<string, unknown>),
    error: row.error,
    query: row.query,
    conversationId: row.conversation_id,
    user: row.end_user,
    triggeredFrom: row.triggered_from,
    totalSteps: row.total_steps,
    totalTokens: row.total_tokens,
    elapsedMs: row.elapsed_ms,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export async function getRun(db: Kysely<Database>, workspaceId: string, runId: string): Promise<RunRecord> {
  const row = await db
    .selectFrom("workflow_runs")
    .selectAll()
    .where("id", "=", runId)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound("Workflow run", runId);
  return runOf(row);
}

export async function getRunWithNodes(
  db: Kysely<Database>,
  workspaceId: string,
  runId: string,
): Promise<RunRecord & { nodes: NodeRunRecord[] }> {
  const run = await getRun(db, workspaceId, runId);
  const rows = await db
    .selectFrom("workflow_node_runs")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("step_index")
    .execute();
  return {
    ...run,
    nodes: rows.map((row) => ({
      id: row.id,
      nodeId: row.node_id,
      nodeType: row.node_type,
      title: row.title,
      index: row.step_index,
      status: row.status,
      inputs: JSON.parse(row.inputs) as Record<string, unknown>,
      outputs: JSON.parse(row.outputs) as Record<string, unknown>,
      error: row.error,
      tokens: row.tokens,
      retries: row.retries,
      containerId: row.container_id,
      round: row.round,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      elapsedMs: row.elapsed_ms,
    })),
  };
}

export async function listRuns(
  db: Kysely<Database>,
  workspaceId: string,
  workflowId: string,
  limit = 50,
): Promise<RunRecord[]> {
  const rows = await db
    .selectFrom("workflow_runs")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("workflow_id", "=", workflowId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(runOf);
}

/** Runs left `running` by a process that died: marked failed so history does not lie. */
export async function failOrphanedRuns(
  db: Kysely<Database>,
  runIds: string[] | "all",
  reason: string,
): Promise<number> {
  let query = db
    .updateTable("workflow_runs")
    .set({ status: "failed", error: reason, finished_at: new Date().toISOString() })
    .where("status", "=", "running");
  if (runIds !== "all") {
    if (runIds.length === 0) return 0;
    query = query.where("id", "in", runIds);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Stops an unfinished run that no process holds (its process is gone), so nobody resumes it; false if it had ended. */
export async function markRunStopped(
  db: Kysely<Database>,
  workspaceId: string,
  runId: string,
): Promise<boolean> {
  const result = await db
    .updateTable("workflow_runs")
    .set({ status: "stopped", error: "The run was stopped", finished_at: new Date().toISOString() })
    .where("id", "=", runId)
    .where("workspace_id", "=", workspaceId)
    .where("finished_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setRunStatus(db: Kysely<Database>, runId: string, status: string): Promise<void> {
  await db
    .updateTable("workflow_runs")
    .set({ status })
    .where("id", "=", runId)
    .where("finished_at", "is", null)
    .execute();
}

/** Says this process still runs its unfinished runs. */
export async function heartbeat(db: Kysely<Database>, runnerId: string): Promise<void> {
  await db
    .updateTable("workflow_runs")
    .set({ heartbeat_at: new Date().toISOString() })
    .where("runner_id", "=", runnerId)
    .where("finished_at", "is", null)
    .execute();
}

/** Unfinished runs whose process has not said it is alive since `staleBefore`. */
export async function findStaleRuns(db: Kysely<Database>, staleBefore: string) {
  return db
    .selectFrom("workflow_runs")
    .selectAll()
    .where("finished_at", "is", null)
    .where("status", "in", ["running", "paused"])
    .where((where) => where.or([where("heartbeat_at", "is", null), where("heartbeat_at", "<", staleBefore)]))
    .orderBy("created_at")
    .limit(100)
    .execute();
}

/** Takes a stale run over for `runnerId`; false when another process took it first. */
export async function claimRun(
  db: Kysely<Database>,
  runId: string,
  runnerId: string,
  staleBefore: string,
): Promise<boolean> {
  const result = await db
    .updateTable("workflow_runs")
    .set({ runner_id: runnerId, heartbeat_at: new Date().toISOString(), status: "running" })
    .where("id", "=", runId)
    .where("finished_at", "is", null)
    .where((where) => where.or([where("heartbeat_at", "is", null), where("heartbeat_at", "<", staleBefore)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The node results of an interrupted run, to resume it: finished top-level ones and those that had only started. */
export async function resumeStateOf(db: Kysely<Database>, runId: string) {
  const rows = await db
    .selectFrom("workflow_node_runs")
    .select(["id", "node_id", "status", "outputs", "handle", "container_id"])
    .where("run_id", "=", runId)
    .execute();
  const completed = new Map<string, { outputs: Record<string, unknown>; handle: string }>();
  const interrupted = new Set<string>();
  for (const row of rows) {
    if (row.container_id !== null) continue;
    if (row.status === "succeeded" || row.status === "exception") {
      completed.set(row.node_id, {
        outputs: JSON.parse(row.outputs) as Record<string, unknown>,
        handle: row.handle ?? "source",
      });
    } else if (row.status === "running" || row.status === "stopped") interrupted.add(row.node_id);
  }
  for (const id of completed.keys()) interrupted.delete(id);
  await db
    .updateTable("workflow_node_runs")
    .set({ status: "interrupted" })
    .where("run_id", "=", runId)
    .where("status", "in", ["running", "stopped"])
    .execute();
  return { completed, interrupted };
}
