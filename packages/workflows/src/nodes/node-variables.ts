import type { VariablePool } from "../engine/variable-pool.ts";
import { selectorOf } from "./node-definition.ts";

interface NamedVariable {
  variable: string;
  value_selector?: string[];
}

/** A node's `variables: [{variable, value_selector}]` resolved to `{ name: value }`. */
export function namedVariables(list: unknown, pool: VariablePool): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const item of (list as NamedVariable[] | undefined) ?? []) {
    if (!item || typeof item.variable !== "string") continue;
    const selector = selectorOf(item.value_selector);
    values[item.variable] = selector ? (pool.get(selector) ?? null) : null;
  }
  return values;
}
