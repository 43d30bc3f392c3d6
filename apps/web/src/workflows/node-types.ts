import type { NodeData } from "./workflow-types.ts";

/** A node type the editor can add, with Dify's default data for it. */
export interface NodeTypeInfo {
  type: string;
  label: string;
  defaults: () => Omit<NodeData, "type" | "title">;
}

const model = () => ({ provider: "", name: "", mode: "chat", completion_params: { temperature: 0.7 } });

export const nodeTypes: NodeTypeInfo[] = [
  { type: "start", label: "Start", defaults: () => ({ variables: [] }) },
  { type: "end", label: "End", defaults: () => ({ outputs: [] }) },
  { type: "answer", label: "Answer", defaults: () => ({ answer: "", variables: [] }) },
  {
    type: "llm",
    label: "LLM",
    defaults: () => ({
      model: model(),
      prompt_template: [
        { role: "system", text: "" },
        { role: "user", text: "" },
      ],
      context: { enabled: false, variable_selector: [] },
      vision: { enabled: false },
    }),
  },
  {
    type: "code",
    label: "Code",
    defaults: () => ({
      code_language: "python3",
      code: 'def main(arg1: str) -> dict:\n    return {"result": arg1}\n',
      variables: [{ variable: "arg1", value_selector: [] }],
      outputs: { result: { type: "string", children: null } },
    }),
  },
  {
    type: "template-transform",
    label: "Template",
    defaults: () => ({ template: "{{ arg1 }}", variables: [{ variable: "arg1", value_selector: [] }] }),
  },
  {
    type: "http-request",
    label: "HTTP request",
    defaults: () => ({
      method: "get",
      url: "",
      headers: "",
      params: "",
      body: { type: "none", data: [] },
      authorization: { type: "no-auth", config: null },
      timeout: { connect: 10, read: 60, write: 20 },
      variables: [],
    }),
  },
  {
    type: "tool",
    label: "Tool",
    defaults: () => ({
      provider_id: "time",
      provider_name: "time",
      provider_type: "builtin",
      tool_name: "current_time",
      tool_label: "Current time",
      tool_node_version: "2",
      tool_configurations: {},
      tool_parameters: {},
    }),
  },
  {
    type: "agent",
    label: "Agent",
    defaults: () => ({
      agent_strategy_provider_name: "langgenius/agent/agent",
      agent_strategy_name: "function_calling",
      agent_strategy_label: "FunctionCalling",
      agent_parameters: {
        model: { type: "constant", value: { provider: "", model: "", model_type: "llm", mode: "chat" } },
        tools: { type: "constant", value: [] },
        instruction: { type: "constant", value: "" },
        query: { type: "constant", value: "{{#sys.query#}}" },
        maximum_iterations: { type: "constant", value: 5 },
      },
    }),
  },
  {
    type: "if-else",
    label: "IF/ELSE",
    defaults: () => ({ cases: [{ case_id: "true", logical_operator: "and", conditions: [] }] }),
  },
  {
    type: "question-classifier",
    label: "Question classifier",
    defaults: () => ({
      query_variable_selector: [],
      model: model(),
      classes: [
        { id: "1", name: "" },
        { id: "2", name: "" },
      ],
    }),
  },
  {
    type: "parameter-extractor",
    label: "Parameter extractor",
    defaults: () => ({
      query: [],
      model: model(),
      parameters: [],
      instruction: "",
      reasoning_mode: "prompt",
    }),
  },
  {
    type: "iteration",
    label: "Iteration",
    defaults: () => ({
      iterator_selector: [],
      output_selector: [],
      output_type: "array[string]",
      is_parallel: false,
      parallel_nums: 10,
      error_handle_mode: "terminated",
    }),
  },
  {
    type: "loop",
    label: "Loop",
    defaults: () => ({ loop_count: 10, break_conditions: [], logical_operator: "and", loop_variables: [] }),
  },
  {
    type: "variable-aggregator",
    label: "Variable aggregator",
    defaults: () => ({ output_type: "string", variables: [] }),
  },
  { type: "assigner", label: "Variable assigner", defaults: () => ({ version: "2", items: [] }) },
  {
    type: "list-operator",
    label: "List operator",
    defaults: () => ({
      variable: [],
      filter_by: { enabled: false, conditions: [] },
      extract_by: { enabled: false, serial: "1" },
      order_by: { enabled: false, key: "", value: "asc" },
      limit: { enabled: false, size: 10 },
    }),
  },
  {
    type: "knowledge-retrieval",
    label: "Knowledge retrieval",
    defaults: () => ({ query_variable_selector: [], dataset_ids: [], retrieval_mode: "multiple" }),
  },
  {
    type: "document-extractor",
    label: "Document extractor",
    defaults: () => ({ variable_selector: [], is_array_file: false }),
  },
  {
    type: "human-input",
    label: "Human input",
    defaults: () => ({
      form_content: "",
      inputs: [],
      user_actions: [
        { id: "approve", title: "Approve" },
        { id: "reject", title: "Reject" },
      ],
    }),
  },
];

export function labelOf(type: string): string {
  return nodeTypes.find((info) => info.type === type)?.label ?? type;
}

/** The handles edges leave a node from: one per if-else case / class / human-input action, plus a fail branch. */
export function sourceHandlesOf(data: NodeData): { id: string; label: string }[] {
  let handles: { id: string; label: string }[];
  if (data.type === "end") handles = [];
  else if (data.type === "if-else") {
    const cases = Array.isArray(data.cases) ? (data.cases as { case_id?: string }[]) : [];
    handles = [
      ...cases.map((item, index) => ({
        id: String(item.case_id ?? "true"),
        label: index === 0 ? "IF" : "ELIF",
      })),
      { id: "false", label: "ELSE" },
    ];
  } else if (data.type === "question-classifier") {
    const classes = Array.isArray(data.classes) ? (data.classes as { id?: string; name?: string }[]) : [];
    handles = classes.map((item, index) => ({
      id: String(item.id ?? index),
      label: item.name || `Class ${index + 1}`,
    }));
  } else if (
    data.type === "human-input" &&
    Array.isArray(data.user_actions) &&
    data.user_actions.length > 0
  ) {
    // The action a person chooses is the branch taken.
    handles = (data.user_actions as { id?: string; title?: string }[]).map((action, index) => ({
      id: String(action.id ?? index),
      label: action.title || String(action.id ?? `Action ${index + 1}`),
    }));
  } else handles = [{ id: "source", label: "" }];
  if (data.error_strategy === "fail-branch") handles.push({ id: "fail-branch", label: "FAIL" });
  return handles;
}

export function hasTargetHandle(type: string): boolean {
  return type !== "start" && type !== "iteration-start" && type !== "loop-start";
}

/** A new node id in Dify's style (digits, unique in the graph). */
export function newNodeId(existing: Set<string>): string {
  let id = String(Date.now());
  while (existing.has(id)) id = String(Number(id) + 1);
  return id;
}

export const containerTypes = new Set(["iteration", "loop"]);

/** The start marker Dify puts inside every iteration or loop. */
export function containerStartOf(containerId: string, containerType: string) {
  const inIteration = containerType === "iteration";
  return {
    id: `${containerId}start`,
    type: inIteration ? "custom-iteration-start" : "custom-loop-start",
    data: {
      type: inIteration ? "iteration-start" : "loop-start",
      title: "",
      desc: "",
      ...(inIteration ? { isInIteration: true } : { isInLoop: true }),
    },
    parentId: containerId,
    position: { x: 24, y: 68 },
    width: 44,
    height: 48,
    draggable: false,
    selectable: false,
  };
}

/** What a node placed inside a container carries in its data, as Dify writes it. */
export function membershipOf(containerId: string, containerType: string): Record<string, unknown> {
  return containerType === "iteration"
    ? { isInIteration: true, iteration_id: containerId }
    : { isInLoop: true, loop_id: containerId };
}
