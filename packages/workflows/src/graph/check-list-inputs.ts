import { invalidRequest } from "@nexus/core";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import { describeNode, type GraphIndex } from "./graph-index.ts";
import type { ValueSelector, WorkflowDefinition } from "./graph-types.ts";

/**
 * Declared types that are certainly not lists: start variable types, code output types, Dify's
 * variable types. Anything else (an array type, "any", a type Nexus does not know) passes.
 */
const notListTypes = new Set([
  "text-input",
  "paragraph",
  "select",
  "number",
  "checkbox",
  "file",
  "string",
  "secret",
  "integer",
  "boolean",
  "bool",
  "object",
]);

const systemTypes: Record<string, string> = {
  query: "string",
  user_id: "string",
  user: "string",
  conversation_id: "string",
  dialogue_count: "number",
  app_id: "string",
  workflow_id: "string",
  workflow_run_id: "string",
};

/** Where a variable's type is declared, when it is known before the run. */
interface Declaration {
  type: string;
  /** "'Start' (start) declares start.name", "the environment variable 'name' is declared". */
  where: string;
}

function declarationOf(
  selector: ValueSelector,
  definition: WorkflowDefinition,
  index: GraphIndex,
  registry: NodeRegistry,
): Declaration | undefined {
  // A deeper path reads a field of the variable, whose type is not declared.
  if (selector.length !== 2) return undefined;
  const [namespace, name] = selector as [string, string];
  const declared = (list: WorkflowDefinition["environmentVariables"]) =>
    list.find((variable) => variable.name === name)?.value_type;
  const type =
    namespace === "env"
      ? declared(definition.environmentVariables)
      : namespace === "conversation"
        ? declared(definition.conversationVariables)
        : namespace === "sys"
          ? systemTypes[name]
          : undefined;
  if (namespace === "env" || namespace === "conversation" || namespace === "sys") {
    return type ? { type, where: `${selector.join(".")} is declared` } : undefined;
  }
  const producer = index.nodes.get(namespace);
  const types = producer ? registry.get(producer.data.type)?.outputTypes?.(producer.data) : undefined;
  if (!producer || !types || !Object.hasOwn(types, name)) return undefined;
  return { type: types[name] as string, where: `${describeNode(producer)} declares ${selector.join(".")}` };
}

/**
 * Rejects (400, naming both nodes) a list setting (an iteration's input, a list operator's
 * variable) pointing at a variable declared as something else: a text start input, a number
 * code output. Run after the settings and variables checks, so selectors and data are well formed.
 */
export function checkListInputs(
  definition: WorkflowDefinition,
  index: GraphIndex,
  registry: NodeRegistry,
): void {
  for (const node of index.graph.nodes) {
    if (node.data._unsupported !== undefined) continue;
    const inputs = registry.get(node.data.type)?.listInputs?.(node.data) ?? [];
    for (const { setting, selector } of inputs) {
      const declaration = declarationOf(selector, definition, index, registry);
      if (!declaration || !notListTypes.has(declaration.type)) continue;
      throw invalidRequest(
        `Node ${describeNode(node)}: setting '${setting}' must point at an array, but ${declaration.where} as ${declaration.type}`,
        "graph",
      );
    }
  }
}
