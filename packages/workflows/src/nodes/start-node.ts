import { defineNode } from "./node-definition.ts";

/** The run's entry: its outputs are the run inputs (checked against its variables beforehand). */
export const startNode = defineNode({
  type: "start",
  run: async ({ pool }) => {
    const inputs = pool.scope("__inputs") ?? {};
    return { outputs: { ...inputs }, inputs };
  },
});

/** Where an iteration's or loop's body starts; it does nothing itself. */
export const iterationStartNode = defineNode({ type: "iteration-start", run: async () => ({ outputs: {} }) });
export const loopStartNode = defineNode({ type: "loop-start", run: async () => ({ outputs: {} }) });
