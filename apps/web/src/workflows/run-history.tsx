import { useCallback, useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { workflowApi } from "./workflow-api.ts";
import { formatSeconds } from "./workflow-node.tsx";
import type { NodeRunRecord, RunRecord, RunView } from "./workflow-types.ts";

/** A stored run as the page shows a live one: per node its last status, outputs and time. */
export function runViewOf(run: RunRecord & { nodes: NodeRunRecord[] }): RunView {
  const view: RunView = {
    runId: run.id,
    status: run.status,
    nodes: {},
    order: [],
    text: "",
    outputs: run.outputs,
    error: run.error,
    elapsedSeconds: run.elapsedMs === null ? null : run.elapsedMs / 1000,
  };
  for (const node of [...run.nodes].sort((left, right) => left.index - right.index)) {
    const previous = view.nodes[node.nodeId];
    if (!previous) view.order.push(node.nodeId);
    view.nodes[node.nodeId] = {
      nodeId: node.nodeId,
      title: node.title,
      nodeType: node.nodeType,
      status: node.status,
      inputs: node.inputs,
      outputs: node.outputs,
      error: node.error,
      elapsedSeconds: node.elapsedMs / 1000,
      executions: (previous?.executions ?? 0) + 1,
    };
  }
  return view;
}

/** The workflow's past runs; opening one shows its trace on the canvas and in the run panel. */
export function RunHistory({
  workflowId,
  refreshKey,
  onShow,
}: {
  workflowId: string;
  /** Changes when a run ends, so the list reloads. */
  refreshKey: string;
  onShow: (view: RunView) => void;
}) {
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setRuns((await workflowApi.runs(workflowId)).data);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [workflowId]);

  useEffect(() => {
    void refreshKey;
    void reload();
  }, [reload, refreshKey]);

  async function open(runId: string) {
    try {
      onShow(runViewOf(await workflowApi.runDetail(runId)));
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <details className="wf-panel wf-history">
      <summary>Run history ({runs.length})</summary>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ol className="wf-history-list">
        {runs.map((run) => (
          <li key={run.id}>
            <button type="button" className="wf-history-item" onClick={() => void open(run.id)}>
              <span className={`wf-status wf-status-${run.status}`}>{run.status}</span>
              <span>{new Date(run.createdAt).toLocaleString()}</span>
              <span className="muted">
                v{run.workflowVersion}
                {run.elapsedMs !== null ? ` · ${formatSeconds(run.elapsedMs / 1000)}` : ""}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </details>
  );
}
