import { describeNode } from "../graph/graph-index.ts";
import { loopDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { type Condition, evaluateConditions } from "./conditions.ts";
import { defineNode, selectorOf } from "./node-definition.ts";
import type { valueSources } from "./value-type-options.ts";

interface LoopVariable {
  label: string;
  var_type?: string;
  value_type?: (typeof valueSources)[number];
  value?: unknown;
}

const maxLoopCount = 1000;

function initialValue(variable: LoopVariable, read: (selector: string[]) => unknown): unknown {
  if (variable.value_type === "variable") {
    const selector = selectorOf(variable.value);
    return selector ? read(selector) : null;
  }
  const value = variable.value;
  if (variable.var_type === "number" && typeof value === "string") return Number(value);
  if (
    (variable.var_type?.startsWith("array") || variable.var_type === "object") &&
    typeof value === "string"
  ) {
    try {
      return JSON.parse(value);
    } catch {
      return variable.var_type === "object" ? {} : [];
    }
  }
  return value ?? null;
}

/**
 * Runs its body until the break conditions hold (checked before each round) or `loop_count`
 * rounds ran. Loop variables live at `[loopId, label]`; the body's assigners update them; the
 * node's outputs are their final values.
 */
export const loopNode = defineNode({
  type: "loop",
  container: true,
  dataSchema: loopDataSchema,
  outputTypes: (data) =>
    Object.fromEntries(
      ((data.loop_variables as LoopVariable[] | undefined) ?? []).flatMap((variable) =>
        variable.var_type ? [[variable.label, variable.var_type]] : [],
      ),
    ),
  run: async (context) => {
    const { node, pool, signal } = context;
    const data = node.data;
    const variables: Record<string, unknown> = {};
    for (const variable of (data.loop_variables as LoopVariable[] | undefined) ?? []) {
      variables[variable.label] = initialValue(variable, (selector) => pool.get(selector));
    }
    pool.setScope(node.id, variables);
    const count = Math.min(Math.max(Number(data.loop_count ?? 10), 0), maxLoopCount);
    const conditions = (data.break_conditions as Condition[] | undefined) ?? [];
    let rounds = 0;
    for (; rounds < count; rounds++) {
      if (conditions.length > 0 && evaluateConditions(conditions, data.logical_operator, pool)) break;
      if (signal.aborted) throw new Error("The run was stopped");
      const outcome = await context.runSubGraph({ pool: pool.child(), signal, round: rounds });
      if (!outcome.ok)
        throw new Error(`Round ${rounds + 1} of ${describeNode(node)} failed: ${outcome.error}`);
    }
    const outputs = { ...(pool.scope(node.id) ?? {}) };
    return { outputs, inputs: { rounds } };
  },
});
