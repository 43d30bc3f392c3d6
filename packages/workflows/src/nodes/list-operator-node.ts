import { VariablePool } from "../engine/variable-pool.ts";
import { listOperatorDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { type Condition, evaluateCondition } from "./conditions.ts";
import { defineNode, selectorOf } from "./node-definition.ts";
import type { sortOrders } from "./value-type-options.ts";

interface ListOperatorData {
  variable?: string[];
  filter_by?: {
    enabled?: boolean;
    conditions?: Array<Omit<Condition, "variable_selector"> & { key?: string }>;
  };
  order_by?: { enabled?: boolean; key?: string; value?: (typeof sortOrders)[number] };
  limit?: { enabled?: boolean; size?: number };
  extract_by?: { enabled?: boolean; serial?: string };
}

/** Filters, sorts, limits or picks one item of a list; outputs `result`, `first_record`, `last_record`. */
export const listOperatorNode = defineNode({
  type: "list-operator",
  dataSchema: listOperatorDataSchema,
  listInputs: (data) => {
    const selector = selectorOf(data.variable);
    return selector ? [{ setting: "variable", selector }] : [];
  },
  run: async ({ node, pool }) => {
    const data = node.data as unknown as ListOperatorData;
    const selector = selectorOf(data.variable);
    const input = selector ? pool.get(selector) : undefined;
    if (!Array.isArray(input))
      throw new Error(`The list operator's input ${JSON.stringify(selector ?? [])} is not an array`);
    let items = [...input];
    if (data.filter_by?.enabled) {
      for (const condition of data.filter_by.conditions ?? []) {
        items = items.filter((item) => {
          const scratch = new VariablePool();
          const value =
            condition.key && item && typeof item === "object"
              ? (item as Record<string, unknown>)[condition.key]
              : item;
          scratch.setScope("item", { value });
          return evaluateCondition({ ...condition, variable_selector: ["item", "value"] }, scratch);
        });
      }
    }
    if (data.extract_by?.enabled) {
      const position = Number(data.extract_by.serial ?? 1);
      if (!Number.isInteger(position) || position < 1 || position > items.length) {
        throw new Error(`Cannot extract item ${data.extract_by.serial}: the list has ${items.length} items`);
      }
      items = [items[position - 1]];
    }
    if (data.order_by?.enabled) {
      const key = data.order_by.key;
      const sortKeyOf = (item: unknown) =>
        key && item && typeof item === "object" ? (item as Record<string, unknown>)[key] : item;
      const direction = data.order_by.value === "desc" ? -1 : 1;
      items.sort((a, b) => {
        const [left, right] = [sortKeyOf(a), sortKeyOf(b)];
        if (typeof left === "number" && typeof right === "number") return (left - right) * direction;
        return String(left).localeCompare(String(right)) * direction;
      });
    }
    if (data.limit?.enabled) items = items.slice(0, Math.max(0, Number(data.limit.size ?? items.length)));
    return {
      outputs: { result: items, first_record: items[0] ?? null, last_record: items.at(-1) ?? null },
      inputs: { variable: input },
    };
  },
});
