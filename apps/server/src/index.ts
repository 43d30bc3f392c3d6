export { buildApp, type NexusApp } from "./app.ts";
export type { AppDependencies } from "./dependencies.ts";
export { createModelGateway } from "./model-gateway.ts";
export { type RunningNexus, type StartOptions, startNexus } from "./start-nexus.ts";
export { type RunningWorker, startWorker, type WorkerOptions } from "./start-worker.ts";
