export { ConcurrencyGate } from "./concurrency-gate.ts";
export type { DeploymentHealth, DeploymentHealthOptions } from "./deployment-health.ts";
export { createRouter, type Routed, type RoutedStream, type Router, type RouterOptions } from "./router.ts";
export * from "./strategies/index.ts";
