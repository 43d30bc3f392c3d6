import { type Database, newId } from "@nexus/core";
import type { RunOutcome } from "../engine/run-workflow.ts";
import { openConversation } from "../store/conversation-repository.ts";
import { type NewRun, resumeStateOf } from "../store/run-repository.ts";
import { getWorkflow } from "../store/workflow-repository.ts";
import { type RunIdentity, workflowStartedEvent } from "./dify-events.ts";
import { LiveRun } from "./live-run.ts";
import {
  type HumanInputMessage,
  humanInputTopic,
  type QueuedRun,
  type RunMessage,
  runTopic,
  stopTopic,
  workflowRunsQueue,
} from "./queued-runs.ts";
import { executeRun } from "./run-executor.ts";
import type { RunRuntime } from "./run-runtime.ts";

/**
 * Runs a queued run in this (worker) process, publishing its events. A job run again after its
 * worker died resumes after the last finished node; a finished run is not run again.
 */
export async function runQueuedJob(runtime: RunRuntime, job: QueuedRun): Promise<string> {
  // A job taken while this process shuts down goes to another worker untouched.
  if (runtime.shuttingDown()) return handOver(runtime, job);
  const { db } = runtime;
  const row = await db
    .selectFrom("workflow_runs")
    .selectAll()
    .where("id", "=", job.runId)
    .where("workspace_id", "=", job.workspaceId)
    .executeTakeFirst();
  const events = runtime.options.dispatch?.events;
  if (!row) return "no such run";
  if (row.finished_at !== null) {
    // Its worker died after finishing it but maybe before saying so: say it again.
    await events?.publish<RunMessage>(runTopic(row.id), { outcome: outcomeOfRow(row) }).catch(() => {});
    return "already finished";
  }
  const resume = row.runner_id !== null ? await resumeStateOf(db, row.id) : undefined;
  await db
    .updateTable("workflow_runs")
    .set({ runner_id: runtime.runnerId, heartbeat_at: new Date().toISOString(), status: "running" })
    .where("id", "=", row.id)
    .execute();
  const stored = await getWorkflow(db, row.workspace_id, row.workflow_id, row.workflow_version);
  const { request } = job;
  const conversation =
    stored.definition.mode === "advanced-chat"
      ? await openConversation(db, row.workspace_id, row.workflow_id, request.conversationId, request.user)
      : undefined;
  const identity: RunIdentity = {
    runId: row.id,
    taskId: job.taskId,
    workflowId: row.workflow_id,
    ...(conversation ? { conversationId: conversation.id, messageId: job.messageId ?? newId("msg") } : {}),
  };
  const inputs = JSON.parse(row.inputs) as Record<string, unknown>;
  const createdAt = Date.parse(row.created_at);
  const live = new LiveRun(identity, row.workspace_id, new AbortController(), createdAt);
  runtime.runs.add(live);
  live.push(workflowStartedEvent(identity, inputs, createdAt));
  const stopListening = events
    ? await events.subscribe(stopTopic(row.id), () => live.controller.abort(new Error("The run was stopped")))
    : undefined;
  // Answers to its human-input nodes come through the process that took the request.
  const stopAnswers = events
    ? await events.subscribe<HumanInputMessage>(humanInputTopic(row.id), ({ payload }) => {
        try {
          runtime.humanInput.answer(row.id, payload.nodeId, payload.answer);
        } catch (error) {
          // Checked where it was sent; one that does not fit leaves the node waiting.
          runtime.options.onError?.(error, `answering human input of run ${row.id}`);
        }
      })
    : undefined;
  // Once this worker stops the run to shut down, its followers hear nothing more from here:
  // the worker that takes the job over goes on with the run.
  const handingOver = () => runtime.suspending.has(live);
  if (events)
    live.follow(
      1,
      (event) => {
        // A bus closed by a shutdown loses the followers, not the run.
        if (!handingOver()) void events.publish<RunMessage>(runTopic(row.id), { event }).catch(() => {});
      },
      () => {},
    );
  const record: NewRun = {
    id: row.id,
    workspaceId: row.workspace_id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    inputs,
    triggeredFrom: row.triggered_from,
    createdAt: row.created_at,
    runnerId: runtime.runnerId,
  };
  await executeRun(runtime, {
    live,
    record,
    definition: stored.definition,
    inputs,
    request,
    conversation,
    ...(resume ? { resume } : {}),
    alreadyRecorded: true,
  });
  const outcome = await live.done;
  await stopListening?.();
  await stopAnswers?.();
  // Suspended, its state stored: the next worker resumes it after its last finished node.
  if (handingOver() && outcome.status === "stopped") return handOver(runtime, job);
  await events?.publish<RunMessage>(runTopic(row.id), { outcome }).catch(() => {});
  return outcome.status;
}

/**
 * Passes a queued run on to another worker because this process is going away: queued again
 * under a new job id (shortly, so a worker still closing here does not take it back), and this
 * job completes at once. Should that fail, the job never settles here, and the queue's close
 * hands it back to the wait list when its grace runs out.
 */
async function handOver(runtime: RunRuntime, job: QueuedRun): Promise<string> {
  const queue = runtime.options.dispatch?.queue;
  try {
    if (!queue) throw new Error("no queue to hand the run to");
    await queue.enqueue(workflowRunsQueue, "run", job, {
      jobId: `${job.runId}-resume-${newId("try")}`,
      delayMs: 500,
    });
    return "handed over";
  } catch (error) {
    runtime.options.onError?.(error, `handing workflow run ${job.runId} over`);
    return new Promise<string>(() => {});
  }
}

/** A finished run's outcome as stored. */
function outcomeOfRow(row: Database["workflow_runs"]): RunOutcome {
  const outputs = row.outputs === null ? {} : (JSON.parse(row.outputs) as Record<string, unknown>);
  return {
    status: row.status as RunOutcome["status"],
    outputs,
    ...(row.error !== null ? { error: row.error } : {}),
    answer: typeof outputs.answer === "string" ? outputs.answer : "",
    totalSteps: row.total_steps,
    totalTokens: row.total_tokens,
    exceptionsCount: 0,
    elapsedMs: row.elapsed_ms ?? 0,
    conversation: {},
  };
}
