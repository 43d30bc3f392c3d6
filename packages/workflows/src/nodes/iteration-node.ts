import { describeNode } from "../graph/graph-index.ts";
import { iterationDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { defineNode, selectorOf } from "./node-definition.ts";
import type { IterationErrorMode } from "./value-type-options.ts";

/** Most items one iteration takes; more is almost certainly a wrong selector. */
const maxItems = 5000;

/**
 * Runs its body once per item of `iterator_selector` (in parallel up to `parallel_nums` when
 * `is_parallel`), the body reading `[iterationId, "item"]` and `[iterationId, "index"]`, and
 * collects `output_selector` of each round into `output` (flattened one level by default).
 * Error modes: terminated (the first failure fails the node), continue-on-error (null for that
 * item), remove-abnormal-output (the item is left out).
 */
export const iterationNode = defineNode({
  type: "iteration",
  container: true,
  dataSchema: iterationDataSchema,
  listInputs: (data) => {
    const selector = selectorOf(data.iterator_selector);
    return selector ? [{ setting: "iterator_selector", selector }] : [];
  },
  run: async (context) => {
    const { node, pool, signal } = context;
    const data = node.data;
    const iteratorSelector = selectorOf(data.iterator_selector);
    const items = iteratorSelector ? pool.get(iteratorSelector) : undefined;
    if (!Array.isArray(items)) {
      throw new Error(`The iteration's input ${JSON.stringify(iteratorSelector ?? [])} is not an array`);
    }
    if (items.length > maxItems)
      throw new Error(`The iteration's input has ${items.length} items; the limit is ${maxItems}`);
    const outputSelector = selectorOf(data.output_selector);
    const mode = (data.error_handle_mode as IterationErrorMode | undefined) ?? "terminated";
    const results: unknown[] = new Array(items.length);
    const failed = new Set<number>();
    const runRound = async (index: number) => {
      const child = pool.child();
      child.setScope(node.id, { item: items[index], index });
      const outcome = await context.runSubGraph({ pool: child, signal, round: index });
      if (!outcome.ok) {
        if (mode === "terminated")
          throw new Error(`Round ${index + 1} of ${describeNode(node)} failed: ${outcome.error}`);
        failed.add(index);
        results[index] = null;
        return;
      }
      results[index] = outputSelector ? (child.get(outputSelector) ?? null) : null;
    };
    const parallel =
      data.is_parallel === true ? Math.min(Math.max(Number(data.parallel_nums ?? 10), 1), 100) : 1;
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        if (signal.aborted) throw new Error("The run was stopped");
        await runRound(next++);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
    let output =
      mode === "remove-abnormal-output" ? results.filter((_value, index) => !failed.has(index)) : results;
    if (data.flatten_output !== false && output.every((value) => Array.isArray(value)) && output.length > 0) {
      output = output.flat();
    }
    return { outputs: { output }, inputs: { iterator_selector: items } };
  },
});
