import type { Queue } from "@nexus/core";
import type { RunOutcome } from "../engine/run-workflow.ts";
import type { HumanInputAnswer } from "../nodes/node-definition.ts";
import type { DifyEvent } from "./dify-events.ts";
import type { StartRunRequest, WorkflowService } from "./workflow-service.ts";

/** The core.queue queue workflow runs wait in when runs go to workers. */
export const workflowRunsQueue = "workflow-runs";

/** What a queued run's job carries: the run row holds the rest. */
export interface QueuedRun {
  runId: string;
  workspaceId: string;
  taskId: string;
  messageId?: string;
  request: StartRunRequest;
}

/** What a worker publishes on `workflows.run.<runId>`: each event, then the outcome. */
export type RunMessage = { event: DifyEvent } | { outcome: RunOutcome };

export const runTopic = (runId: string) => `workflows.run.${runId}`;
export const stopTopic = (runId: string) => `workflows.stop.${runId}`;
/** Where an answer to a human-input node of a run on a worker goes: the worker it waits on hears it. */
export const humanInputTopic = (runId: string) => `workflows.human-input.${runId}`;

/** What `humanInputTopic` carries: the node answered and the answer. */
export interface HumanInputMessage {
  nodeId: string;
  answer: HumanInputAnswer;
}

/**
 * Makes this process a workflow worker: it takes queued runs and runs them (a job whose worker
 * died is taken again and resumes after the last finished node). Call it in `nexus worker`, and
 * in servers that should share the work.
 *
 * @example
 * serveWorkflowRuns(queue, service, { concurrency: 32 });
 */
export function serveWorkflowRuns(
  queue: Queue,
  service: WorkflowService,
  options: { concurrency?: number } = {},
): void {
  queue.process<QueuedRun>(workflowRunsQueue, (job) => service.runQueued(job.data), {
    concurrency: options.concurrency ?? 32,
  });
}
