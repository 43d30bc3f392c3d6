import { comparisonOperators, newId, unaryOperators } from "./condition-list.tsx";
import { CheckboxField, SelectorField, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

interface ItemCondition {
  id?: string;
  /** For lists of objects: the field compared; empty compares the item itself. */
  key?: string;
  comparison_operator: string;
  value?: unknown;
}

interface Toggle {
  enabled?: boolean;
}

/**
 * The list operator: the list it reads, then in the engine's order a filter, one item picked by
 * position, a sort and a limit. Outputs `result`, `first_record` and `last_record`.
 */
export function ListOperatorFields({ data, update }: { data: NodeData; update: Update }) {
  const filter = (data.filter_by as Toggle & { conditions?: ItemCondition[] }) ?? {};
  const extract = (data.extract_by as Toggle & { serial?: string }) ?? {};
  const order = (data.order_by as Toggle & { key?: string; value?: string }) ?? {};
  const limit = (data.limit as Toggle & { size?: number }) ?? {};
  const conditions = filter.conditions ?? [];
  const setConditions = (next: ItemCondition[]) => update({ filter_by: { ...filter, conditions: next } });
  const setCondition = (index: number, patch: Partial<ItemCondition>) =>
    setConditions(conditions.map((item, at) => (at === index ? { ...item, ...patch } : item)));
  return (
    <>
      <SelectorField
        label="List"
        placeholder="node.list"
        value={data.variable}
        onChange={(variable) => update({ variable })}
      />
      <fieldset className="wf-rows">
        <legend>
          <CheckboxField
            label="Filter"
            checked={Boolean(filter.enabled)}
            onChange={(enabled) => update({ filter_by: { ...filter, conditions, enabled } })}
          />
        </legend>
        {filter.enabled && (
          <>
            {conditions.map((condition, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions are edited in place; their position is their identity
              <div className="wf-row" key={index}>
                <input
                  aria-label={`Filter ${index + 1} field`}
                  placeholder="field (empty: the item)"
                  value={condition.key ?? ""}
                  onChange={(event) => setCondition(index, { key: event.target.value })}
                />
                <select
                  aria-label={`Filter ${index + 1} operator`}
                  value={condition.comparison_operator}
                  onChange={(event) => setCondition(index, { comparison_operator: event.target.value })}
                >
                  {comparisonOperators.map((operator) => (
                    <option key={operator}>{operator}</option>
                  ))}
                </select>
                {!unaryOperators.includes(condition.comparison_operator) && (
                  <input
                    aria-label={`Filter ${index + 1} value`}
                    value={String(condition.value ?? "")}
                    onChange={(event) => setCondition(index, { value: event.target.value })}
                  />
                )}
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove filter ${index + 1}`}
                  onClick={() => setConditions(conditions.filter((_item, at) => at !== index))}
                >
                  ×
                </button>
              </div>
            ))}
            <button
              type="button"
              className="secondary small-button"
              onClick={() =>
                setConditions([
                  ...conditions,
                  { id: newId(), key: "", comparison_operator: "contains", value: "" },
                ])
              }
            >
              Add filter
            </button>
          </>
        )}
      </fieldset>
      <div className="wf-row">
        <CheckboxField
          label="Take item number"
          checked={Boolean(extract.enabled)}
          onChange={(enabled) => update({ extract_by: { serial: "1", ...extract, enabled } })}
        />
        {extract.enabled && (
          <input
            aria-label="Item number"
            type="number"
            min={1}
            value={String(extract.serial ?? "1")}
            onChange={(event) => update({ extract_by: { ...extract, serial: event.target.value } })}
          />
        )}
      </div>
      <div className="wf-row">
        <CheckboxField
          label="Sort"
          checked={Boolean(order.enabled)}
          onChange={(enabled) => update({ order_by: { key: "", value: "asc", ...order, enabled } })}
        />
        {order.enabled && (
          <>
            <input
              aria-label="Sort by field"
              placeholder="field (empty: the item)"
              value={order.key ?? ""}
              onChange={(event) => update({ order_by: { ...order, key: event.target.value } })}
            />
            <select
              aria-label="Sort order"
              value={order.value === "desc" ? "desc" : "asc"}
              onChange={(event) => update({ order_by: { ...order, value: event.target.value } })}
            >
              <option value="asc">ascending</option>
              <option value="desc">descending</option>
            </select>
          </>
        )}
      </div>
      <div className="wf-row">
        <CheckboxField
          label="Keep the first"
          checked={Boolean(limit.enabled)}
          onChange={(enabled) => update({ limit: { size: 10, ...limit, enabled } })}
        />
        {limit.enabled && (
          <input
            aria-label="How many to keep"
            type="number"
            min={0}
            value={Number(limit.size ?? 10)}
            onChange={(event) => update({ limit: { ...limit, size: Number(event.target.value) } })}
          />
        )}
      </div>
    </>
  );
}
