// Browser automation on Stagehand (issue 8).
export * from "./action-cache.ts";
export * from "./browser-error.ts";
export * from "./browser-service.ts";
export * from "./browser-settings.ts";
export * from "./browser-step-runner.ts";
export * from "./browser-tasks.ts";
export * from "./model-usage.ts";
export * from "./session-state-store.ts";
export * from "./task-definition.ts";
export type { StepReport, TaskReport } from "./task-runner.ts";
export type { BrowserTask, BrowserTaskRun } from "./task-store.ts";
export * from "./url-policy.ts";
