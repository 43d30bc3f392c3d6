import type { LiveRun, RunOutcome } from "@nexus/workflows";
import { workflowFinishedData } from "@nexus/workflows";
import type { FastifyReply } from "fastify";
import { sendRunEvents } from "./workflow-event-stream.ts";

/**
 * Answers a started run the way the caller asked: Dify's SSE stream, or (blocking) Dify's
 * final body once the run ends — the workflow body, or the chat message body for chat apps.
 */
export async function replyToRun(
  reply: FastifyReply,
  live: LiveRun,
  mode: "streaming" | "blocking",
): Promise<FastifyReply> {
  if (mode === "streaming") return sendRunEvents(reply, live);
  // A blocking client that leaves does not stop the run, as in Dify.
  const outcome = await live.done;
  return reply.send(blockingBody(live, outcome));
}

export function blockingBody(live: LiveRun, outcome: RunOutcome): Record<string, unknown> {
  const { identity } = live;
  if (identity.conversationId) {
    return {
      event: "message",
      task_id: identity.taskId,
      id: identity.messageId,
      message_id: identity.messageId,
      conversation_id: identity.conversationId,
      mode: "advanced-chat",
      answer: outcome.answer,
      metadata: { usage: { total_tokens: outcome.totalTokens } },
      created_at: Math.floor(live.createdAt / 1000),
      workflow_run_id: identity.runId,
      status: outcome.status,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  }
  return {
    workflow_run_id: identity.runId,
    task_id: identity.taskId,
    data: workflowFinishedData(identity, outcome, live.createdAt),
  };
}
