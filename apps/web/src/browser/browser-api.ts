import { requestJson } from "../api-client.ts";

export interface ModelUsage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  modelMs: number;
}

export interface BrowserTask {
  id: string;
  version: number;
  name: string;
  schedule: string | null;
  createdAt: string;
  definition: { startUrl: string; variables: string[]; steps: Array<{ type: string }> };
}

export interface StepReport {
  index: number;
  type: string;
  description: string;
  status: "succeeded" | "failed" | "skipped";
  durationMs: number;
  usage: ModelUsage;
  cached: boolean;
  screenshot: string | null;
  error?: { code: string; message: string };
}

export interface BrowserTaskRun {
  id: string;
  taskId: string;
  version: number;
  status: "queued" | "running" | "succeeded" | "failed";
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  report: {
    status: string;
    durationMs: number;
    usage: ModelUsage;
    output: unknown;
    steps: StepReport[];
  } | null;
}

/** `/api/browser/tasks` and runs, for the page. */
export const browserApi = {
  tasks: () => requestJson<{ data: BrowserTask[] }>("/api/browser/tasks"),
  create: (body: unknown) => requestJson<BrowserTask>("/api/browser/tasks", { method: "POST", body }),
  task: (id: string) => requestJson<BrowserTask>(`/api/browser/tasks/${encodeURIComponent(id)}`),
  runs: (id: string) =>
    requestJson<{ data: BrowserTaskRun[] }>(`/api/browser/tasks/${encodeURIComponent(id)}/runs`),
  run: (id: string, variables: Record<string, string>) =>
    requestJson<BrowserTaskRun>(`/api/browser/tasks/${encodeURIComponent(id)}/runs`, {
      method: "POST",
      body: { variables },
    }),
  screenshotUrl: (runId: string, name: string) =>
    `/api/browser/runs/${encodeURIComponent(runId)}/screenshots/${encodeURIComponent(name)}`,
};
