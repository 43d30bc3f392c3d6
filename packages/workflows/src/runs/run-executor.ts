import type { EventBus } from "@nexus/core";
import type { EngineEvent } from "../engine/engine-events.ts";
import { runWorkflow } from "../engine/run-workflow.ts";
import type { WorkflowDefinition } from "../graph/graph-types.ts";
import type { RunServices } from "../nodes/node-definition.ts";
import { type openConversation, saveTurn } from "../store/conversation-repository.ts";
import type { NewRun, resumeStateOf } from "../store/run-repository.ts";
import { closingEvents, difyEventOf } from "./dify-events.ts";
import type { LiveRun } from "./live-run.ts";
import { RunRecorder } from "./run-recorder.ts";
import type { RunRuntime } from "./run-runtime.ts";
import { eventBusOf, type StartRunRequest } from "./workflow-service-options.ts";

export type OpenConversation = Awaited<ReturnType<typeof openConversation>>;
export type ResumeState = Awaited<ReturnType<typeof resumeStateOf>>;

/** One run to execute in this process. */
export interface RunExecution {
  live: LiveRun;
  record: NewRun;
  definition: WorkflowDefinition;
  inputs: Record<string, unknown>;
  request: StartRunRequest;
  conversation: OpenConversation | undefined;
  /** Where an interrupted run goes on from (its finished nodes are not run again). */
  resume?: ResumeState;
  /** True when the run row is already stored (resumed or queued runs). */
  alreadyRecorded?: boolean;
}

function servicesOf(
  runtime: RunRuntime,
  live: LiveRun,
  recorder: RunRecorder,
  execution: RunExecution,
): RunServices {
  const { options } = runtime;
  const { definition, request, conversation } = execution;
  const eventBus = eventBusOf(options);
  return {
    workspaceId: live.workspaceId,
    apiKeyId: request.apiKeyId,
    mode: definition.mode,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.knowledge ? { knowledge: options.knowledge } : {}),
    ...(options.browser ? { browser: options.browser } : {}),
    ...(options.mcpServers ? { mcpServers: options.mcpServers } : {}),
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.defaultModel ? { defaultModel: options.defaultModel } : {}),
    ...(conversation ? { memory: conversation.memory } : {}),
    awaitHumanInput: (question) => runtime.humanInput.wait(live, recorder, question),
    ...(eventBus
      ? {
          emitEvent: (topic: string, payload: unknown) => (eventBus as EventBus).publish(topic, payload),
        }
      : {}),
  };
}

/**
 * Runs a workflow in this process: its events go to the live run's followers, each node's result
 * is recorded as it finishes and the outcome at the end (with the chat turn, for advanced-chat).
 * A run stopped because the process shuts down is suspended instead, for another to resume.
 */
export async function executeRun(runtime: RunRuntime, execution: RunExecution): Promise<void> {
  const { live, record, definition, inputs, request, conversation, resume } = execution;
  const { options } = runtime;
  const { identity, workspaceId } = live;
  const report = (error: unknown) => options.onError?.(error, `workflow run ${identity.runId}`);
  const recorder = new RunRecorder(
    runtime.db,
    record,
    report,
    options.recordAfterMs ?? 20,
    execution.alreadyRecorded ?? resume !== undefined,
    runtime.finishedWriter,
  );
  const onEvent = (event: EngineEvent) => {
    live.push(difyEventOf(identity, event));
    if (event.type === "node_finished") recorder.node(event);
  };
  const outcome = await runWorkflow({
    definition,
    registry: runtime.registry,
    services: servicesOf(runtime, live, recorder, execution),
    inputs,
    system: {
      workflow_run_id: identity.runId,
      workflow_id: identity.workflowId,
      app_id: identity.workflowId,
      user: request.user ?? "",
      files: request.files ?? [],
      ...(request.query !== undefined ? { query: request.query } : {}),
      ...(conversation
        ? { conversation_id: conversation.id, dialogue_count: conversation.memory.length / 2 + 1 }
        : {}),
    },
    ...(conversation ? { conversation: conversation.variables } : {}),
    signal: live.controller.signal,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(resume ? { resume } : {}),
    onEvent,
    // A side-effecting node acts only once its start is stored (see RunRecorder.started).
    beforeSideEffect: (event) => recorder.started(event),
  });
  // Browser sessions do not outlive the run (nor a handover: a resumed run opens its own).
  await options.browser?.closeRun(identity.runId).catch(report);
  if (runtime.shuttingDown() && outcome.status === "stopped") {
    // Not stopped by anyone: this process is going away. Another takes the run over.
    await recorder.suspend();
    const suspended = {
      ...outcome,
      error: "The server shut down; the run resumes on the next one to start",
    };
    live.finish(suspended, closingEvents(identity, suspended, live.createdAt));
    runtime.runs.ended(live);
    return;
  }
  try {
    await recorder.finish(outcome);
    if (conversation && identity.messageId && outcome.status !== "failed" && outcome.status !== "stopped") {
      await saveTurn(runtime.db, workspaceId, conversation.id, {
        runId: identity.runId,
        messageId: identity.messageId,
        query: request.query ?? "",
        answer: outcome.answer,
        variables: outcome.conversation,
      });
    }
  } catch (error) {
    report(error);
  }
  live.finish(outcome, closingEvents(identity, outcome, live.createdAt));
  runtime.runs.ended(live);
  runtime.runs.forgetLater(identity.runId);
}
