import type { EngineEvent } from "../engine/engine-events.ts";
import type { RunOutcome } from "../engine/run-workflow.ts";

/** One event of a run's stream, in Dify's shape (`event` + ids + `data`). */
export type DifyEvent = Record<string, unknown> & { event: string };

export interface RunIdentity {
  runId: string;
  taskId: string;
  workflowId: string;
  /** advanced-chat only. */
  conversationId?: string;
  messageId?: string;
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const epoch = (ms: number) => Math.floor(ms / 1000);

function envelope(identity: RunIdentity, event: string): DifyEvent {
  return {
    event,
    task_id: identity.taskId,
    workflow_run_id: identity.runId,
    ...(identity.conversationId
      ? { conversation_id: identity.conversationId, message_id: identity.messageId }
      : {}),
  };
}

export function workflowStartedEvent(
  identity: RunIdentity,
  inputs: Record<string, unknown>,
  createdAt: number,
): DifyEvent {
  return {
    ...envelope(identity, "workflow_started"),
    data: { id: identity.runId, workflow_id: identity.workflowId, inputs, created_at: epoch(createdAt) },
  };
}

/** Dify's event for an engine event; text chunks become `message` events in chat apps. */
export function difyEventOf(identity: RunIdentity, event: EngineEvent): DifyEvent {
  if (event.type === "text_chunk") {
    if (identity.conversationId) {
      return {
        event: "message",
        task_id: identity.taskId,
        id: identity.messageId,
        message_id: identity.messageId,
        conversation_id: identity.conversationId,
        answer: event.text,
        created_at: epoch(Date.now()),
      };
    }
    return {
      ...envelope(identity, "text_chunk"),
      data: { text: event.text, from_variable_selector: event.selector ?? [event.fromNodeId] },
    };
  }
  const common = {
    id: event.executionId,
    node_id: event.node.id,
    node_type: event.node.data.type,
    title: event.node.data.title,
    index: event.index,
    created_at: epoch(event.startedAt),
    ...(event.containerId ? { iteration_id: event.containerId, parallel_run_id: event.round } : {}),
  };
  if (event.type === "node_started") {
    return { ...envelope(identity, "node_started"), data: { ...common, status: "running", inputs: null } };
  }
  return {
    ...envelope(identity, "node_finished"),
    data: {
      ...common,
      status: event.status,
      inputs: event.inputs,
      outputs: event.outputs,
      error: event.error ?? null,
      elapsed_time: seconds(event.finishedAt - event.startedAt),
      execution_metadata: { total_tokens: event.tokens, retries: event.retries },
      finished_at: epoch(event.finishedAt),
    },
  };
}

export function workflowFinishedData(identity: RunIdentity, outcome: RunOutcome, createdAt: number) {
  return {
    id: identity.runId,
    workflow_id: identity.workflowId,
    status: outcome.status,
    outputs: outcome.outputs,
    error: outcome.error ?? null,
    elapsed_time: seconds(outcome.elapsedMs),
    total_tokens: outcome.totalTokens,
    total_steps: outcome.totalSteps,
    exceptions_count: outcome.exceptionsCount,
    created_at: epoch(createdAt),
    finished_at: epoch(createdAt + outcome.elapsedMs),
  };
}

/** The events that close a run's stream: workflow_finished, and for chat apps message_end (or error). */
export function closingEvents(identity: RunIdentity, outcome: RunOutcome, createdAt: number): DifyEvent[] {
  const events: DifyEvent[] = [
    { ...envelope(identity, "workflow_finished"), data: workflowFinishedData(identity, outcome, createdAt) },
  ];
  if (identity.conversationId) {
    if (outcome.status === "failed" || outcome.status === "stopped") {
      events.push({
        event: "error",
        task_id: identity.taskId,
        message_id: identity.messageId,
        conversation_id: identity.conversationId,
        status: 500,
        code: outcome.status === "stopped" ? "stopped" : "workflow_failed",
        message: outcome.error ?? "The run failed",
      });
    } else {
      events.push({
        event: "message_end",
        task_id: identity.taskId,
        id: identity.messageId,
        message_id: identity.messageId,
        conversation_id: identity.conversationId,
        metadata: { usage: { total_tokens: outcome.totalTokens } },
      });
    }
  }
  return events;
}
