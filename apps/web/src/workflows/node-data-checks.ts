/**
 * Shapes of node data as the engine (packages/workflows/src/nodes/<type>-node.ts) reads them,
 * checked before JSON typed into the editor replaces a node's data. Small hand-written checks
 * rather than zod: the page bundle carries no schema library, and the nodes keep no zod schema of
 * their data to share. Extra keys are allowed everywhere, as Dify's DSL carries many.
 */
type Check = (value: unknown, path: string) => string[];

const kindOf = (value: unknown) => (Array.isArray(value) ? "a list" : value === null ? "null" : typeof value);
const at = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const string: Check = (value, path) => (typeof value === "string" ? [] : [`${path} must be text`]);
const number: Check = (value, path) =>
  typeof value === "number" && Number.isFinite(value) ? [] : [`${path} must be a number`];
const boolean: Check = (value, path) => (typeof value === "boolean" ? [] : [`${path} must be true or false`]);
const anything: Check = () => [];

const optional =
  (check: Check): Check =>
  (value, path) =>
    value === undefined || value === null ? [] : check(value, path);

const oneOf =
  (...choices: string[]): Check =>
  (value, path) =>
    typeof value === "string" && choices.includes(value)
      ? []
      : [`${path} must be one of ${choices.map((choice) => `"${choice}"`).join(", ")}`];

const either =
  (...checks: Check[]): Check =>
  (value, path) => {
    const results = checks.map((check) => check(value, path));
    return results.some((problems) => problems.length === 0) ? [] : (results[0] ?? []);
  };

const list =
  (item: Check): Check =>
  (value, path) =>
    Array.isArray(value)
      ? value.flatMap((entry, index) => item(entry, at(path, index)))
      : [`${path} must be a list, not ${kindOf(value)}`];

const object =
  (shape: Record<string, Check>): Check =>
  (value, path) => {
    if (!value || typeof value !== "object" || Array.isArray(value))
      return [`${path || "The data"} must be an object, not ${kindOf(value)}`];
    const record = value as Record<string, unknown>;
    return Object.entries(shape).flatMap(([key, check]) => check(record[key], at(path, key)));
  };

const record =
  (entry: Check): Check =>
  (value, path) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, item]) => entry(item, at(path, key)))
      : [`${path} must be an object, not ${kindOf(value)}`];

/** A selector: `["node", "variable"]`, or empty while it is not chosen yet. */
const selector: Check = (value, path) =>
  Array.isArray(value) && value.every((part) => typeof part === "string")
    ? []
    : [`${path} must be a variable selector like ["node", "variable"]`];

const model = object({
  provider: optional(string),
  name: optional(string),
  completion_params: optional(record(anything)),
});
const variableRows = list(object({ variable: string, value_selector: selector }));

/** Dify's `{type, value}` inputs of tool nodes; a bare text is a template too. */
const toolInput = either(
  object({ type: optional(oneOf("mixed", "variable", "constant")), value: anything }),
  string,
);

export const assignerOperations = [
  "over-write",
  "set",
  "clear",
  "append",
  "extend",
  "remove-first",
  "remove-last",
  "+=",
  "-=",
  "*=",
  "/=",
];

/** Agent parameters are `{ name: { value } }` in Dify; older exports hold plain values. */
const agentParameter = (check: Check) => either(object({ value: optional(check) }), check);

const schemas: Record<string, Check> = {
  start: object({ variables: optional(list(object({ variable: string, type: optional(string) }))) }),
  end: object({ outputs: optional(variableRows) }),
  answer: object({ answer: string }),
  llm: object({
    model: optional(model),
    prompt_template: optional(either(list(object({ role: string, text: string })), object({ text: string }))),
  }),
  code: object({
    code_language: oneOf("python3", "javascript"),
    code: string,
    variables: optional(variableRows),
    outputs: optional(record(object({ type: string }))),
  }),
  "template-transform": object({ template: string, variables: optional(variableRows) }),
  "http-request": object({
    method: string,
    url: string,
    headers: optional(string),
    params: optional(string),
    body: optional(object({ type: string })),
  }),
  "if-else": object({
    cases: optional(
      list(object({ case_id: string, logical_operator: oneOf("and", "or"), conditions: list(anything) })),
    ),
  }),
  "variable-aggregator": object({ output_type: optional(string), variables: optional(list(selector)) }),
  tool: object({
    provider_id: optional(string),
    provider_name: optional(string),
    tool_name: string,
    tool_configurations: optional(record(toolInput)),
    tool_parameters: optional(record(toolInput)),
  }),
  agent: object({
    agent_strategy_name: optional(string),
    agent_parameters: optional(
      object({
        model: optional(agentParameter(either(string, object({ model: optional(string) })))),
        instruction: optional(agentParameter(string)),
        query: optional(agentParameter(string)),
        maximum_iterations: optional(agentParameter(number)),
        tools: optional(agentParameter(list(object({ tool_name: string, enabled: optional(boolean) })))),
      }),
    ),
  }),
  "parameter-extractor": object({
    model: optional(model),
    query: selector,
    instruction: optional(string),
    reasoning_mode: optional(oneOf("prompt", "function_call")),
    parameters: list(
      object({ name: string, type: string, description: optional(string), required: optional(boolean) }),
    ),
  }),
  "list-operator": object({
    variable: selector,
    filter_by: optional(
      object({
        enabled: optional(boolean),
        conditions: optional(list(object({ key: optional(string), comparison_operator: string }))),
      }),
    ),
    extract_by: optional(object({ enabled: optional(boolean), serial: optional(either(string, number)) })),
    order_by: optional(
      object({ enabled: optional(boolean), key: optional(string), value: optional(oneOf("asc", "desc")) }),
    ),
    limit: optional(object({ enabled: optional(boolean), size: optional(number) })),
  }),
  assigner: either(
    object({
      items: list(
        object({
          variable_selector: selector,
          input_type: optional(oneOf("constant", "variable")),
          operation: oneOf(...assignerOperations),
          value: anything,
        }),
      ),
    }),
    object({
      assigned_variable_selector: selector,
      input_variable_selector: optional(selector),
      write_mode: optional(oneOf("over-write", "append", "clear")),
    }),
  ),
};

/**
 * What is wrong with a node's data, as sentences naming the field (`parameters[0].type must be
 * text`); empty when it fits. Types without a known shape need only `type` and `title`.
 */
export function nodeDataProblems(data: unknown): string[] {
  const base = object({ type: string, title: string })(data, "");
  if (base.length > 0) return base;
  const type = (data as { type: string }).type;
  return schemas[type]?.(data, "") ?? [];
}
