import { endDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

interface EndOutput {
  variable: string;
  value_selector?: string[];
}

/** A workflow's result: its outputs are the variables it names. */
export const endNode = defineNode({
  type: "end",
  dataSchema: endDataSchema,
  run: async ({ node, pool }) => {
    const outputs: Record<string, unknown> = {};
    for (const output of (node.data.outputs as EndOutput[] | undefined) ?? []) {
      const selector = selectorOf(output.value_selector);
      outputs[output.variable] = selector ? (pool.get(selector) ?? null) : null;
    }
    return { outputs, inputs: outputs };
  },
});
