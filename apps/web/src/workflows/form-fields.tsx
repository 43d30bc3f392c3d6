import { useState } from "react";
import { selectorOptionsId } from "./selector-options.tsx";
import type { NodeData } from "./workflow-types.ts";

/** Merges a patch into the selected node's data. */
export type Update = (patch: Partial<NodeData>) => void;

export interface VariableRow {
  variable: string;
  value_selector: string[];
}

/** A labelled text area; `code` makes it monospaced and taller. */
export function TextArea({
  label,
  value,
  onChange,
  code,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  code?: boolean;
  placeholder?: string;
}) {
  return (
    <label className="wf-field">
      {label}
      <textarea
        className={code ? "wf-code" : undefined}
        rows={code ? 8 : 3}
        value={value}
        placeholder={placeholder}
        spellCheck={!code}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

/**
 * An input for a list typed as text (`node.variable`, `a, b`). It keeps what was typed, so a
 * trailing separator survives until the next part is typed, and follows the value when it
 * changes elsewhere.
 */
export function ListInput({
  value,
  onChange,
  separator,
  ...rest
}: {
  value: unknown;
  onChange: (parts: string[]) => void;
  separator: "." | ",";
  placeholder?: string;
  "aria-label"?: string;
  /** A `<datalist>` of suggestions. */
  list?: string;
}) {
  const format = (parts: unknown) => (Array.isArray(parts) ? parts.join(separator === "," ? ", " : ".") : "");
  const parse = (text: string) =>
    text
      .split(separator)
      .map((part) => (separator === "," ? part.trim() : part))
      .filter((part) => part !== "");
  const [text, setText] = useState(() => format(value));
  const shown = format(parse(text)) === format(value) ? text : format(value);
  return (
    <input
      {...rest}
      value={shown}
      onChange={(event) => {
        setText(event.target.value);
        onChange(parse(event.target.value));
      }}
    />
  );
}

/** A selector typed as `node.variable` (Dify's `["node", "variable"]`). */
export function SelectorInput({
  placeholder = "node.variable",
  ...rest
}: {
  value: unknown;
  onChange: (selector: string[]) => void;
  placeholder?: string;
  "aria-label"?: string;
}) {
  return <ListInput separator="." placeholder={placeholder} list={selectorOptionsId} {...rest} />;
}

/** A labelled variable selector (Dify's `["node", "variable"]`). */
export function SelectorField({
  label,
  value,
  onChange,
  placeholder = "node.variable",
}: {
  label: string;
  value: unknown;
  onChange: (selector: string[]) => void;
  placeholder?: string;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: SelectorInput renders the input inside this label
    <label className="wf-field">
      {label}
      <SelectorInput placeholder={placeholder} value={value} onChange={onChange} />
    </label>
  );
}

/** A checkbox with its label on the right. */
export function CheckboxField({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="wf-inline">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
}

/**
 * The gateway model a node calls, as `provider/model` or a bare model name; empty uses the
 * workspace's default model.
 */
export function ModelField({ data, update }: { data: NodeData; update: Update }) {
  const model = (data.model as Record<string, unknown>) ?? {};
  return (
    <label className="wf-field">
      Model
      <input
        placeholder="provider/model (empty: the default model)"
        value={[model.provider, model.name].filter(Boolean).join("/")}
        onChange={(event) => {
          const [provider, ...rest] = event.target.value.split("/");
          update({
            model: {
              mode: "chat",
              completion_params: {},
              ...model,
              provider: rest.length ? provider : "",
              name: rest.length ? rest.join("/") : provider,
            },
          });
        }}
      />
    </label>
  );
}

/** Rows of `name ← node.variable`, Dify's `{variable, value_selector}` lists. */
export function VariableRows({
  label,
  rows,
  onChange,
}: {
  label: string;
  rows: VariableRow[];
  onChange: (rows: VariableRow[]) => void;
}) {
  const set = (index: number, patch: Partial<VariableRow>) =>
    onChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="wf-rows">
      <legend>{label}</legend>
      {rows.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
        <div className="wf-row" key={index}>
          <input
            aria-label={`${label} ${index + 1} name`}
            value={row.variable}
            onChange={(event) => set(index, { variable: event.target.value })}
          />
          <span className="muted">←</span>
          <SelectorInput
            aria-label={`${label} ${index + 1} source`}
            value={row.value_selector}
            onChange={(value_selector) => set(index, { value_selector })}
          />
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${label} ${index + 1}`}
            onClick={() => onChange(rows.filter((_row, at) => at !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary small-button"
        onClick={() => onChange([...rows, { variable: "", value_selector: [] }])}
      >
        Add
      </button>
    </fieldset>
  );
}
