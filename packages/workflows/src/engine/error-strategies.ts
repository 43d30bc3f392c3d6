/**
 * A node's `error_strategy`, by Dify's DSL spelling: `none` (the default) fails the run,
 * `default-value` succeeds with the node's `default_value` outputs, `fail-branch` takes the
 * node's "fail-branch" edge. The level runner implements exactly these; the node data schema
 * builds its enum from them. Zod-free and node-free.
 */
export const errorStrategies = ["none", "default-value", "fail-branch"] as const;

export type ErrorStrategy = (typeof errorStrategies)[number];
