import { variableAggregatorDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

interface Group {
  group_name: string;
  variables?: string[][];
}

/** The first of its variables that has a value (per group when groups are on). */
export const variableAggregatorNode = defineNode({
  type: "variable-aggregator",
  dataSchema: variableAggregatorDataSchema,
  run: async ({ node, pool }) => {
    const data = node.data;
    const first = (selectors: unknown) => {
      for (const candidate of (selectors as unknown[] | undefined) ?? []) {
        const selector = selectorOf(candidate);
        const value = selector ? pool.get(selector) : undefined;
        if (value !== undefined && value !== null) return value;
      }
      return null;
    };
    const advanced = data.advanced_settings as { group_enabled?: boolean; groups?: Group[] } | undefined;
    if (advanced?.group_enabled) {
      const outputs: Record<string, unknown> = {};
      for (const group of advanced.groups ?? [])
        outputs[group.group_name] = { output: first(group.variables) };
      return { outputs };
    }
    return { outputs: { output: first(data.variables) } };
  },
});

/** The older name of the same node in Dify DSLs. */
export const variableAssignerLegacyNode = defineNode({
  ...variableAggregatorNode,
  type: "variable-assigner",
});
