/**
 * `@nexus/workflows/node-schemas`: the node settings schemas import and save check with, and their
 * wording, for the web editor. Browser-safe: zod and the option lists only (a test holds it so).
 */
export { nodeSettingsProblem } from "./describe-issue.ts";
export { nodeDataProblem, nodeDataSchemas } from "./node-data-schemas.ts";
export * from "./node-options.ts";
export { commonNodeDataSchema } from "./schema-parts.ts";
