import { useState } from "react";
import type { Update } from "./form-fields.tsx";

type OutputSpec = { type: string; children: null };

/** Dify's code output types; a list consumed by an iteration or list operator must be an array type. */
export const codeOutputTypes = [
  "string",
  "number",
  "boolean",
  "object",
  "array[string]",
  "array[number]",
  "array[boolean]",
  "array[object]",
];

const format = (outputs: Record<string, OutputSpec>) =>
  Object.entries(outputs)
    .map(([name, spec]) => (spec?.type && spec.type !== "string" ? `${name}: ${spec.type}` : name))
    .join(", ");

/** `items: array[string], total: number` → Dify's outputs map; a name alone is a string. */
export function parseCodeOutputs(text: string): Record<string, OutputSpec> {
  const entries = text
    .split(",")
    .map((piece) => piece.split(":").map((part) => part.trim()))
    .filter(([name]) => Boolean(name))
    .map(([name, type]) => [name as string, { type: type || "string", children: null }] as const);
  return Object.fromEntries(entries);
}

/**
 * The code node's outputs as one line of text. The text the user types is kept as typed (a
 * trailing comma or colon does not vanish mid-word); the node's data follows it parsed.
 */
export function CodeOutputsField({ outputs, update }: { outputs: unknown; update: Update }) {
  const shown = format((outputs as Record<string, OutputSpec>) ?? {});
  const [text, setText] = useState(shown);
  // Outputs changed elsewhere (another node selected, the JSON editor): show them.
  if (format(parseCodeOutputs(text)) !== shown) setText(shown);
  return (
    <label className="wf-field">
      Outputs (name or name: type, comma-separated)
      <input
        value={text}
        placeholder="result, items: array[string]"
        title={`Types: ${codeOutputTypes.join(", ")}`}
        onChange={(event) => {
          setText(event.target.value);
          update({ outputs: parseCodeOutputs(event.target.value) });
        }}
      />
    </label>
  );
}
