import { startDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode } from "./node-definition.ts";

/** The run's entry: its outputs are the run inputs (checked against its variables beforehand). */
export const startNode = defineNode({
  type: "start",
  dataSchema: startDataSchema,
  outputTypes: (data) =>
    Object.fromEntries(
      ((data.variables as Array<{ variable: string; type: string }> | undefined) ?? []).map((variable) => [
        variable.variable,
        variable.type,
      ]),
    ),
  run: async ({ pool }) => {
    const inputs = pool.scope("__inputs") ?? {};
    return { outputs: { ...inputs }, inputs };
  },
});

/** Where an iteration's or loop's body starts; it does nothing itself. */
export const iterationStartNode = defineNode({ type: "iteration-start", run: async () => ({ outputs: {} }) });
export const loopStartNode = defineNode({ type: "loop-start", run: async () => ({ outputs: {} }) });
