import { useCallback, useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import { type WorkflowEvent, workflowApi } from "./workflow-api.ts";
import type { HumanInputForm, RunView } from "./workflow-types.ts";

const emptyRun = (): RunView => ({
  runId: null,
  status: "running",
  nodes: {},
  order: [],
  text: "",
  outputs: null,
  error: null,
  elapsedSeconds: null,
});

/** Folds one Dify event into the run shown on the page. */
export function applyEvent(run: RunView, event: WorkflowEvent): RunView {
  const data = event.data ?? {};
  switch (event.event) {
    case "workflow_started":
      return { ...run, runId: String(event.workflow_run_id ?? data.id ?? "") || run.runId };
    case "node_started": {
      const nodeId = String(data.node_id);
      const previous = run.nodes[nodeId];
      return {
        ...run,
        order: previous ? run.order : [...run.order, nodeId],
        nodes: {
          ...run.nodes,
          [nodeId]: {
            nodeId,
            title: String(data.title ?? nodeId),
            nodeType: String(data.node_type ?? ""),
            status: "running",
            executions: (previous?.executions ?? 0) + 1,
            ...(previous?.outputs ? { outputs: previous.outputs } : {}),
          },
        },
      };
    }
    case "node_finished": {
      const nodeId = String(data.node_id);
      const previous = run.nodes[nodeId];
      return {
        ...run,
        waiting: run.waiting?.nodeId === nodeId ? null : run.waiting,
        order: previous ? run.order : [...run.order, nodeId],
        nodes: {
          ...run.nodes,
          [nodeId]: {
            nodeId,
            title: String(data.title ?? nodeId),
            nodeType: String(data.node_type ?? ""),
            status: String(data.status ?? "succeeded"),
            outputs: (data.outputs as Record<string, unknown> | null) ?? null,
            inputs: (data.inputs as Record<string, unknown> | null) ?? null,
            error: (data.error as string | null) ?? null,
            elapsedSeconds: Number(data.elapsed_time ?? 0),
            executions: previous?.executions ?? 1,
          },
        },
      };
    }
    case "human_input_required":
      return {
        ...run,
        waiting: {
          nodeId: String(data.node_id),
          title: String(data.title ?? data.node_id),
          formContent: String(data.form_content ?? ""),
          fields: (data.inputs as HumanInputForm["fields"] | undefined) ?? [],
          actions: (data.actions as HumanInputForm["actions"] | undefined) ?? [],
        },
      };
    case "text_chunk":
      return { ...run, text: run.text + String(data.text ?? "") };
    case "message":
      return { ...run, text: run.text + String(event.answer ?? "") };
    case "workflow_finished":
      return {
        ...run,
        waiting: null,
        status: String(data.status ?? "succeeded"),
        outputs: (data.outputs as Record<string, unknown> | null) ?? null,
        error: (data.error as string | null) ?? null,
        elapsedSeconds: Number(data.elapsed_time ?? 0),
      };
    case "error":
      return {
        ...run,
        status: "failed",
        waiting: null,
        error: String(event.message ?? data.message ?? "the run failed"),
      };
    default:
      return run;
  }
}

/** Runs the workflow with streaming and keeps the page's view of it current, event by event. */
export function useWorkflowRun(workflowId: string) {
  const [run, setRun] = useState<RunView | null>(null);
  const controller = useRef<AbortController | null>(null);

  const start = useCallback(
    async (inputs: Record<string, unknown>, query?: string) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setRun(emptyRun());
      try {
        await workflowApi.run(
          workflowId,
          { inputs, ...(query !== undefined ? { query } : {}) },
          (event) => setRun((current) => applyEvent(current ?? emptyRun(), event)),
          abort.signal,
        );
        setRun((current) =>
          current && current.status === "running"
            ? { ...current, status: "failed", error: "the event stream ended early" }
            : current,
        );
      } catch (error) {
        if (abort.signal.aborted) return;
        setRun((current) => ({ ...(current ?? emptyRun()), status: "failed", error: messageOf(error) }));
      }
    },
    [workflowId],
  );

  const stop = useCallback(async () => {
    if (run?.runId) await workflowApi.stop(run.runId).catch(() => {});
  }, [run?.runId]);

  /** Shows a stored run instead (from the history); a live run still streaming is left to finish unseen. */
  const show = useCallback((view: RunView) => {
    controller.current?.abort();
    setRun(view);
    const { runId } = view;
    if (!runId || (view.status !== "running" && view.status !== "paused")) return;
    // Still going, or waiting for a person: follow it from its first event, so the trace goes on
    // live and a pending human-input form shows (and can be answered) here.
    const abort = new AbortController();
    controller.current = abort;
    let followed: RunView = { ...emptyRun(), runId };
    workflowApi
      .follow(
        runId,
        (event) => {
          followed = applyEvent(followed, event);
          setRun(followed);
        },
        abort.signal,
      )
      .catch(() => {
        // Not running here any more (or ended meanwhile): the stored view stays.
      });
  }, []);

  return { run, start, stop, show, clear: () => setRun(null) };
}
