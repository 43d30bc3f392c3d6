import { apiErrorOf, requestJson } from "../api-client.ts";
import type {
  Graph,
  ImportReport,
  NodeRunRecord,
  RunRecord,
  WorkflowDetail,
  WorkflowSummary,
} from "./workflow-types.ts";

const base = "/api/workflows";
const path = (id: string) => `${base}/${encodeURIComponent(id)}`;

/** A Dify SSE event as the server sends it (`data: {...}` frames). */
export type WorkflowEvent = {
  event: string;
  workflow_run_id?: string;
  data?: Record<string, unknown>;
} & Record<string, unknown>;

export const workflowApi = {
  list: () => requestJson<{ data: WorkflowSummary[] }>(base),
  get: async (id: string) => (await requestJson<{ workflow: WorkflowDetail }>(path(id))).workflow,
  importYaml: (yaml: string, name?: string) =>
    requestJson<{ workflow: WorkflowSummary; report: ImportReport }>(`${base}/import`, {
      method: "POST",
      body: name ? { yaml, name } : { yaml },
    }),
  save: async (id: string, graph: Graph, name?: string) =>
    (
      await requestJson<{ workflow: WorkflowDetail }>(path(id), {
        method: "PUT",
        body: name ? { graph, name } : { graph },
      })
    ).workflow,
  remove: (id: string) => requestJson<void>(path(id), { method: "DELETE" }),
  exportYaml: async (id: string) => {
    const response = await fetch(`${path(id)}/export`);
    if (!response.ok) throw await apiErrorOf(response);
    return await response.text();
  },
  runs: (id: string) => requestJson<{ data: RunRecord[] }>(`${path(id)}/runs`),
  runDetail: async (runId: string) =>
    (
      await requestJson<{ run: RunRecord & { nodes: NodeRunRecord[] } }>(
        `/api/workflow-runs/${encodeURIComponent(runId)}`,
      )
    ).run,
  /** Answers the human-input node a run waits on: the form's values and the action chosen. */
  answerHumanInput: (
    runId: string,
    answer: { node_id: string; action?: string; inputs: Record<string, unknown> },
  ) =>
    requestJson<unknown>(`/api/workflow-runs/${encodeURIComponent(runId)}/human-input`, {
      method: "POST",
      body: answer,
    }),
  stop: (runId: string) =>
    requestJson<unknown>(`/api/workflow-runs/${encodeURIComponent(runId)}/stop`, {
      method: "POST",
      body: {},
    }),

  /** Starts a streaming run and calls `onEvent` for each event until the stream ends. */
  async run(
    id: string,
    body: { inputs: Record<string, unknown>; query?: string },
    onEvent: (event: WorkflowEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const response = await fetch(`${path(id)}/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, response_mode: "streaming" }),
      ...(signal ? { signal } : {}),
    });
    if (!response.ok || !response.body) throw await apiErrorOf(response);
    await readEvents(response.body, onEvent);
  },

  /** Follows a run still going, its events from the first, until it ends (409 when it is not running). */
  async follow(runId: string, onEvent: (event: WorkflowEvent) => void, signal?: AbortSignal): Promise<void> {
    const response = await fetch(`/api/workflow-runs/${encodeURIComponent(runId)}/events?after=0`, {
      ...(signal ? { signal } : {}),
    });
    if (!response.ok || !response.body) throw await apiErrorOf(response);
    await readEvents(response.body, onEvent);
  },
};

/** Splits an SSE body into frames and hands on each `data:` JSON (pings carry none). */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: WorkflowEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let boundary = buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = frame
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) {
        try {
          onEvent(JSON.parse(data) as WorkflowEvent);
        } catch {
          // A frame that is not JSON is not an event this page understands.
        }
      }
      boundary = buffer.indexOf("\n\n");
    }
  }
}
