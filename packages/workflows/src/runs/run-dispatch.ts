import type { EventBus, Queue } from "@nexus/core";
import { insertRun, type NewRun } from "../store/run-repository.ts";
import type { LiveRun } from "./live-run.ts";
import { type QueuedRun, type RunMessage, runTopic, stopTopic, workflowRunsQueue } from "./queued-runs.ts";
import type { RunRuntime } from "./run-runtime.ts";
import type { StartRunRequest } from "./workflow-service-options.ts";

/**
 * Queues a run for a worker (stored as `queued` first) and mirrors the events the worker
 * publishes into `live`, so followers here see the run as if it ran here; stopping `live` asks the
 * worker to stop it.
 */
export async function dispatchRun(
  runtime: RunRuntime,
  { queue, events }: { queue: Queue; events: EventBus },
  live: LiveRun,
  record: NewRun,
  request: StartRunRequest,
): Promise<void> {
  const { identity } = live;
  runtime.dispatched.add(live);
  runtime.followed.add(live);
  await insertRun(runtime.db, { ...record, runnerId: undefined, status: "queued" });
  const stopListening = await events.subscribe<RunMessage>(runTopic(identity.runId), ({ payload }) => {
    if ("event" in payload) live.push(payload.event);
    else if (!live.finished) {
      runtime.followed.delete(live);
      live.finish(payload.outcome, []);
      void stopListening();
      runtime.runs.ended(live);
      runtime.runs.forgetLater(identity.runId);
    }
  });
  live.controller.signal.addEventListener("abort", () => {
    events.publish(stopTopic(identity.runId), {}).catch(() => {});
  });
  const job: QueuedRun = {
    runId: identity.runId,
    workspaceId: live.workspaceId,
    taskId: identity.taskId,
    ...(identity.messageId ? { messageId: identity.messageId } : {}),
    request: {
      ...request,
      ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
    },
  };
  await queue.enqueue(workflowRunsQueue, "run", job, { jobId: identity.runId });
}
