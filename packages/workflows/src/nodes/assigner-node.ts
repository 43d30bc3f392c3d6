import type { VariablePool } from "../engine/variable-pool.ts";
import { assignerDataSchema } from "../node-schemas/flow-node-schemas.ts";
import type { AssignerOperation } from "./assigner-operations.ts";
import { defineNode, selectorOf } from "./node-definition.ts";
import type { valueSources } from "./value-type-options.ts";

interface AssignItem {
  variable_selector?: string[];
  input_type?: (typeof valueSources)[number];
  operation: AssignerOperation;
  value?: unknown;
}

/** Covers every `assignerOperations` entry (the compiler checks it). */
function applyOperation(current: unknown, operation: AssignerOperation, value: unknown): unknown {
  switch (operation) {
    case "over-write":
    case "set":
      return value;
    case "clear":
      return Array.isArray(current)
        ? []
        : typeof current === "number"
          ? 0
          : typeof current === "object" && current !== null
            ? {}
            : "";
    case "append":
      return [...(Array.isArray(current) ? current : []), value];
    case "extend":
      return [...(Array.isArray(current) ? current : []), ...(Array.isArray(value) ? value : [value])];
    case "remove-first":
      return Array.isArray(current) ? current.slice(1) : current;
    case "remove-last":
      return Array.isArray(current) ? current.slice(0, -1) : current;
    case "+=":
      return Number(current ?? 0) + Number(value);
    case "-=":
      return Number(current ?? 0) - Number(value);
    case "*=":
      return Number(current ?? 0) * Number(value);
    case "/=":
      if (Number(value) === 0) throw new Error("Division by zero");
      return Number(current ?? 0) / Number(value);
    default: {
      const unknown: never = operation;
      throw new Error(`Unknown assigner operation '${String(unknown)}'`);
    }
  }
}

function assign(pool: VariablePool, item: AssignItem, written: Record<string, unknown>): void {
  const target = selectorOf(item.variable_selector);
  if (!target) throw new Error("An assignment has no variable to write");
  const value =
    item.input_type === "variable"
      ? (() => {
          const source = selectorOf(item.value);
          return source ? pool.get(source) : undefined;
        })()
      : item.value;
  const next = applyOperation(pool.get(target), item.operation, value);
  pool.set(target, next);
  written[target.join(".")] = next;
}

/**
 * Writes conversation or loop variables. Version 2 lists `items` (over-write, set, clear,
 * append, extend, remove-first/last, += -= *= /=); version 1 has one
 * `assigned_variable_selector` with `write_mode` over-write, append or clear.
 */
export const assignerNode = defineNode({
  type: "assigner",
  dataSchema: assignerDataSchema,
  run: async ({ node, pool }) => {
    const data = node.data;
    const written: Record<string, unknown> = {};
    if (Array.isArray(data.items)) {
      for (const item of data.items as AssignItem[]) assign(pool, item, written);
    } else {
      const mode = (data.write_mode as AssignerOperation | undefined) ?? "over-write";
      assign(
        pool,
        {
          variable_selector: data.assigned_variable_selector as string[],
          input_type: "variable",
          operation: mode,
          value: data.input_variable_selector,
        },
        written,
      );
    }
    return { outputs: {}, inputs: written };
  },
});
