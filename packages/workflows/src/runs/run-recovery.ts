import { newId } from "@nexus/core";
import { openConversation } from "../store/conversation-repository.ts";
import { claimRun, findStaleRuns, type NewRun, resumeStateOf } from "../store/run-repository.ts";
import { getWorkflow } from "../store/workflow-repository.ts";
import { type RunIdentity, workflowStartedEvent } from "./dify-events.ts";
import { LiveRun } from "./live-run.ts";
import { executeRun } from "./run-executor.ts";
import type { RunRuntime } from "./run-runtime.ts";
import type { StartRunRequest } from "./workflow-service-options.ts";

/**
 * Takes over runs whose process died (no heartbeat for `staleAfterMs`) and resumes each after
 * its last recorded node: finished nodes keep their results and do not run again; a
 * side-effecting node that had started runs again, and its result says so. Returns the run ids.
 */
export async function recoverStaleRuns(runtime: RunRuntime): Promise<string[]> {
  const { db, options } = runtime;
  // With workers, the queue hands a dead worker's job to another worker instead.
  if (options.dispatch) return [];
  const staleBefore = new Date(Date.now() - (options.staleAfterMs ?? 60_000)).toISOString();
  const resumed: string[] = [];
  for (const row of await findStaleRuns(db, staleBefore)) {
    if (runtime.runs.has(row.id) || !(await claimRun(db, row.id, runtime.runnerId, staleBefore))) continue;
    try {
      const stored = await getWorkflow(db, row.workspace_id, row.workflow_id, row.workflow_version);
      const resume = await resumeStateOf(db, row.id);
      const conversation =
        stored.definition.mode === "advanced-chat" && row.conversation_id
          ? await openConversation(
              db,
              row.workspace_id,
              row.workflow_id,
              row.conversation_id,
              row.end_user ?? undefined,
            )
          : undefined;
      const identity: RunIdentity = {
        runId: row.id,
        taskId: newId("task"),
        workflowId: row.workflow_id,
        ...(conversation ? { conversationId: conversation.id, messageId: newId("msg") } : {}),
      };
      const inputs = JSON.parse(row.inputs) as Record<string, unknown>;
      const request: StartRunRequest = {
        inputs,
        ...(row.query !== null ? { query: row.query } : {}),
        ...(row.end_user !== null ? { user: row.end_user } : {}),
        triggeredFrom: row.triggered_from,
        apiKeyId: null,
      };
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
      const createdAt = Date.parse(row.created_at);
      const live = new LiveRun(identity, row.workspace_id, new AbortController(), createdAt);
      runtime.runs.add(live);
      live.push(workflowStartedEvent(identity, inputs, createdAt));
      void executeRun(runtime, {
        live,
        record,
        definition: stored.definition,
        inputs,
        request,
        conversation,
        resume,
      });
      resumed.push(row.id);
    } catch (error) {
      options.onError?.(error, `resuming workflow run ${row.id}`);
    }
  }
  return resumed;
}
