import type { GraphNode, NodeData } from "./workflow-types.ts";

/** The `<datalist>` every selector input of the node settings offers its suggestions from. */
export const selectorOptionsId = "wf-selector-options";

/** Outputs every node of a type has, as the engine writes them. */
const fixedOutputs: Record<string, string[]> = {
  llm: ["text"],
  "template-transform": ["output"],
  "http-request": ["body", "status_code", "headers", "files"],
  tool: ["text", "json", "files"],
  agent: ["text", "tool_calls"],
  "list-operator": ["result", "first_record", "last_record"],
  iteration: ["output"],
  "knowledge-retrieval": ["result"],
  "question-classifier": ["class_name"],
  "variable-aggregator": ["output"],
  "document-extractor": ["text"],
  "iteration-start": [],
};

/** The output names a node's data declares (start inputs, code outputs, extracted parameters…). */
export function outputsOf(data: NodeData): string[] {
  const names = (list: unknown, key: string) =>
    Array.isArray(list) ? list.map((item) => String((item as Record<string, unknown>)?.[key] ?? "")) : [];
  switch (data.type) {
    case "start":
      return names(data.variables, "variable");
    case "code":
      return Object.keys((data.outputs as Record<string, unknown> | undefined) ?? {});
    case "parameter-extractor":
      return [...names(data.parameters, "name"), "__is_success", "__reason"];
    case "loop":
      return names(data.loop_variables, "label");
    default:
      return fixedOutputs[data.type] ?? [];
  }
}

/**
 * Suggestions for selector inputs: `node.output` for the other nodes of the graph, titled, and
 * `item`/`index` of the iteration a node is in. Typing stays free: the list only helps.
 */
export function SelectorOptions({
  nodes,
  current,
  chat,
}: {
  nodes: GraphNode[];
  current: GraphNode;
  chat: boolean;
}) {
  const options: { value: string; label: string }[] = [];
  for (const node of nodes) {
    if (node.id === current.id) continue;
    const title = node.data.title || node.data.type;
    for (const output of outputsOf(node.data).filter(Boolean))
      options.push({ value: `${node.id}.${output}`, label: `${title} · ${output}` });
    if (node.data.type === "iteration" && current.parentId === node.id) {
      options.push({ value: `${node.id}.item`, label: `${title} · item` });
      options.push({ value: `${node.id}.index`, label: `${title} · index` });
    }
  }
  if (chat) options.push({ value: "sys.query", label: "the user's message" });
  options.push({ value: "sys.user_id", label: "the user's id" });
  return (
    <datalist id={selectorOptionsId}>
      {options.map((option) => (
        <option key={option.value} value={option.value} label={option.label} />
      ))}
    </datalist>
  );
}
