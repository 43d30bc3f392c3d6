/**
 * Closed sets of value types and modes that node settings name, by Dify's DSL spelling. The node
 * code that implements each imports its list from here and the node data schemas build their
 * enums from them, so import and run cannot drift. Zod-free and node-free: the web editor imports it.
 */

/** A parameter-extractor parameter's type; `parameterJsonSchema` maps every one. */
export const parameterTypes = [
  "string",
  "number",
  "bool",
  "boolean",
  "select",
  "object",
  "array[string]",
  "array[number]",
  "array[object]",
  "array[boolean]",
] as const;

export type ParameterType = (typeof parameterTypes)[number];

/** The JSON schema the model is asked to fill for a parameter of each type. */
export function parameterJsonSchema(type: ParameterType): Record<string, unknown> {
  switch (type) {
    case "string":
    case "select":
      return { type: "string" };
    case "number":
      return { type: "number" };
    case "bool":
    case "boolean":
      return { type: "boolean" };
    case "object":
      return { type: "object" };
    case "array[string]":
      return { type: "array", items: { type: "string" } };
    case "array[number]":
      return { type: "array", items: { type: "number" } };
    case "array[object]":
      return { type: "array", items: { type: "object" } };
    case "array[boolean]":
      return { type: "array", items: { type: "boolean" } };
    default: {
      const unknown: never = type;
      throw new Error(`Unknown parameter type '${String(unknown)}'`);
    }
  }
}

/**
 * A code node's declared output type (Dify's code node offers these). The graph checks read them
 * (an iteration over a `string` output is refused).
 */
export const codeOutputTypes = [
  "string",
  "number",
  "boolean",
  "object",
  "array[string]",
  "array[number]",
  "array[boolean]",
  "array[object]",
] as const;

/**
 * What an iteration does when a round fails: `terminated` fails the node, `continue-on-error`
 * keeps null for that item, `remove-abnormal-output` leaves the item out.
 */
export const iterationErrorModes = ["terminated", "continue-on-error", "remove-abnormal-output"] as const;

export type IterationErrorMode = (typeof iterationErrorModes)[number];

/** Where an assignment's or a loop variable's value comes from: itself, or the variable it names. */
export const valueSources = ["constant", "variable"] as const;

/** A tool or agent input in Dify's `{ type, value }` shape: a template, a selector, or a value. */
export const toolInputTypes = ["mixed", "variable", "constant"] as const;

/** How a list-operator sorts. */
export const sortOrders = ["asc", "desc"] as const;
