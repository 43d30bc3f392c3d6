import { selectorOptionsId } from "./selector-options.tsx";

/** One Dify condition: `variable_selector` compared by `comparison_operator` with `value`. */
export interface Condition {
  id?: string;
  variable_selector: string[];
  comparison_operator: string;
  value?: unknown;
  varType?: string;
}

/** Dify's comparison operators; the last group needs no value. */
const operators = [
  "contains",
  "not contains",
  "start with",
  "end with",
  "is",
  "is not",
  "in",
  "not in",
  "all of",
];
const numberOperators = ["=", "≠", ">", "<", "≥", "≤"];
export const unaryOperators = ["empty", "not empty", "null", "not null", "exists", "not exists"];
export const comparisonOperators = [...operators, ...numberOperators, ...unaryOperators];

/** crypto.randomUUID needs a secure context; a server reached over plain HTTP on the LAN has none. */
export const newId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
export const selectorText = (selector: unknown) => (Array.isArray(selector) ? selector.join(".") : "");
export const parseSelector = (text: string) => text.split(".").filter((part) => part !== "");

/**
 * Conditions joined by and/or, as if-else cases and loop break conditions hold them.
 * `label` names each field for people and tests: "<label> 2 operator".
 */
export function ConditionList({
  label,
  conditions,
  logicalOperator,
  onChange,
}: {
  label: string;
  conditions: Condition[];
  logicalOperator: "and" | "or";
  onChange: (conditions: Condition[], logicalOperator: "and" | "or") => void;
}) {
  const set = (index: number, patch: Partial<Condition>) =>
    onChange(
      conditions.map((item, at) => (at === index ? { ...item, ...patch } : item)),
      logicalOperator,
    );
  return (
    <>
      {conditions.map((condition, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: conditions are edited in place; their position is their identity
        <div className="wf-condition" key={index}>
          <input
            aria-label={`${label} ${index + 1} variable`}
            placeholder="node.variable"
            list={selectorOptionsId}
            value={selectorText(condition.variable_selector)}
            onChange={(event) => set(index, { variable_selector: parseSelector(event.target.value) })}
          />
          <select
            aria-label={`${label} ${index + 1} operator`}
            value={condition.comparison_operator}
            onChange={(event) => set(index, { comparison_operator: event.target.value })}
          >
            {comparisonOperators.map((operator) => (
              <option key={operator}>{operator}</option>
            ))}
          </select>
          {!unaryOperators.includes(condition.comparison_operator) && (
            <input
              aria-label={`${label} ${index + 1} value`}
              value={String(condition.value ?? "")}
              onChange={(event) => set(index, { value: event.target.value })}
            />
          )}
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${label.toLowerCase()} ${index + 1}`}
            onClick={() =>
              onChange(
                conditions.filter((_item, at) => at !== index),
                logicalOperator,
              )
            }
          >
            ×
          </button>
        </div>
      ))}
      <div className="wf-actions">
        <button
          type="button"
          className="secondary small-button"
          onClick={() =>
            onChange(
              [
                ...conditions,
                {
                  id: newId(),
                  variable_selector: [],
                  comparison_operator: "contains",
                  value: "",
                  varType: "string",
                },
              ],
              logicalOperator,
            )
          }
        >
          Add condition
        </button>
        {conditions.length > 1 && (
          <select
            aria-label={`${label} joined with`}
            value={logicalOperator}
            onChange={(event) => onChange(conditions, event.target.value as "and" | "or")}
          >
            <option value="and">all (and)</option>
            <option value="or">any (or)</option>
          </select>
        )}
      </div>
    </>
  );
}
