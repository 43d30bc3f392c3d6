import { assignerOperations } from "@nexus/workflows/node-options";
import { SelectorField, SelectorInput, type Update } from "./form-fields.tsx";
import type { NodeData } from "./workflow-types.ts";

interface AssignItem {
  variable_selector: string[];
  input_type: "constant" | "variable";
  operation: string;
  value: unknown;
}

/** Operations that take no value: they change the variable from what it holds. */
const valueless = new Set(["clear", "remove-first", "remove-last"]);

/**
 * The variable assigner: writes conversation variables (`conversation.name`) or a loop's
 * variables (`loopNode.name`). Version 2 lists assignments; version 1 (older DSLs) has one.
 */
export function AssignerFields({ data, update }: { data: NodeData; update: Update }) {
  if (!Array.isArray(data.items)) return <AssignerV1Fields data={data} update={update} />;
  const items = data.items as AssignItem[];
  const set = (index: number, patch: Partial<AssignItem>) =>
    update({ items: items.map((item, at) => (at === index ? { ...item, ...patch } : item)) });
  return (
    <fieldset className="wf-rows">
      <legend>Assignments</legend>
      {items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
        <div className="wf-condition" key={index}>
          <SelectorInput
            aria-label={`Assignment ${index + 1} variable`}
            placeholder="conversation.name"
            value={item.variable_selector}
            onChange={(variable_selector) => set(index, { variable_selector })}
          />
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove assignment ${index + 1}`}
            onClick={() => update({ items: items.filter((_item, at) => at !== index) })}
          >
            ×
          </button>
          <div className="wf-row wf-span">
            <select
              aria-label={`Assignment ${index + 1} operation`}
              value={item.operation}
              onChange={(event) => set(index, { operation: event.target.value })}
            >
              {assignerOperations.map((operation) => (
                <option key={operation}>{operation}</option>
              ))}
            </select>
            {!valueless.has(item.operation) && (
              <select
                aria-label={`Assignment ${index + 1} value kind`}
                value={item.input_type}
                onChange={(event) =>
                  set(index, {
                    input_type: event.target.value as AssignItem["input_type"],
                    value: event.target.value === "variable" ? [] : "",
                  })
                }
              >
                <option value="variable">from a variable</option>
                <option value="constant">a constant</option>
              </select>
            )}
          </div>
          {!valueless.has(item.operation) &&
            (item.input_type === "variable" ? (
              <SelectorInput
                aria-label={`Assignment ${index + 1} value`}
                value={item.value}
                onChange={(value) => set(index, { value })}
              />
            ) : (
              <input
                aria-label={`Assignment ${index + 1} value`}
                placeholder="text, or a number for += -= *= /="
                value={typeof item.value === "string" ? item.value : JSON.stringify(item.value ?? "")}
                onChange={(event) => set(index, { value: event.target.value })}
              />
            ))}
        </div>
      ))}
      <button
        type="button"
        className="secondary small-button"
        onClick={() =>
          update({
            items: [
              ...items,
              { variable_selector: [], input_type: "variable", operation: "over-write", value: [] },
            ],
          })
        }
      >
        Add assignment
      </button>
    </fieldset>
  );
}

/** Version 1: one variable, overwritten, appended to or cleared from another variable. */
function AssignerV1Fields({ data, update }: { data: NodeData; update: Update }) {
  const mode = String(data.write_mode ?? "over-write");
  return (
    <>
      <SelectorField
        label="Variable to write"
        placeholder="conversation.name"
        value={data.assigned_variable_selector}
        onChange={(assigned_variable_selector) => update({ assigned_variable_selector })}
      />
      <label className="wf-field">
        Operation
        <select value={mode} onChange={(event) => update({ write_mode: event.target.value })}>
          <option value="over-write">over-write</option>
          <option value="append">append</option>
          <option value="clear">clear</option>
        </select>
      </label>
      {mode !== "clear" && (
        <SelectorField
          label="Value from"
          value={data.input_variable_selector}
          onChange={(input_variable_selector) => update({ input_variable_selector })}
        />
      )}
    </>
  );
}
