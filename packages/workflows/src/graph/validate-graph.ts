import { invalidRequest } from "@nexus/core";
import { selectorsIn } from "../engine/template-selectors.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import { checkListInputs } from "./check-list-inputs.ts";
import { checkNodeSettings } from "./check-node-settings.ts";
import { containerOf, containerStartTypes, containerTypes, describeNode, GraphIndex } from "./graph-index.ts";
import type { GraphNode, ValueSelector, WorkflowDefinition } from "./graph-types.ts";

/** Most nodes a graph may have; a generous cap so a hostile DSL cannot exhaust memory. */
export const maxGraphNodes = 5000;

/**
 * Rejects (400, naming the node) a graph the engine cannot run safely: duplicate ids, edges to
 * missing nodes, no start node, cycles outside iteration/loop bodies, node settings of the wrong
 * type (each node type's `dataSchema`), variables that point at nodes or declared variables that
 * do not exist, list settings pointing at variables declared as something else. Unknown node
 * types are not errors here: import marks them unsupported and they fail when run.
 */
export function validateGraph(definition: WorkflowDefinition, registry: NodeRegistry): void {
  const { graph } = definition;
  if (graph.nodes.length === 0) throw invalidRequest("The graph has no nodes", "graph");
  if (graph.nodes.length > maxGraphNodes) {
    throw invalidRequest(`The graph has ${graph.nodes.length} nodes; the limit is ${maxGraphNodes}`, "graph");
  }
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (seen.has(node.id)) throw invalidRequest(`Two nodes have the id '${node.id}'`, "graph");
    seen.add(node.id);
  }
  const index = new GraphIndex(graph);
  for (const edge of graph.edges) {
    for (const end of [edge.source, edge.target]) {
      if (!index.nodes.has(end)) {
        throw invalidRequest(
          `Edge '${edge.id}' connects to node '${end}', which is not in the graph`,
          "graph",
        );
      }
    }
  }
  for (const node of graph.nodes) {
    const parent = containerOf(node);
    if (parent !== undefined && !index.nodes.has(parent)) {
      throw invalidRequest(
        `Node ${describeNode(node)} is inside '${parent}', which is not in the graph`,
        "graph",
      );
    }
  }
  const starts = index.topLevel().filter((node) => node.data.type === "start");
  if (starts.length !== 1) {
    throw invalidRequest(
      starts.length === 0 ? "The graph has no start node" : "The graph has more than one start node",
      "graph",
    );
  }
  findCycles(index);
  checkContainers(index);
  checkNodeSettings(graph.nodes, registry);
  checkVariables(definition, index, registry);
  checkListInputs(definition, index, registry);
}

/** A cycle between nodes of one level (top level or one container's body) is an error. */
function findCycles(index: GraphIndex): void {
  const state = new Map<string, 1 | 2>();
  const sameLevel = (a: string, b: string) =>
    containerOf(index.nodes.get(a) as GraphNode) === containerOf(index.nodes.get(b) as GraphNode);
  for (const node of index.graph.nodes) {
    if (state.has(node.id)) continue;
    // Iterative DFS: a 5,000-node chain must not overflow the stack.
    const stack: Array<{ id: string; next: number }> = [{ id: node.id, next: 0 }];
    state.set(node.id, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; next: number };
      const edges = index.outgoing.get(frame.id) ?? [];
      if (frame.next >= edges.length) {
        state.set(frame.id, 2);
        stack.pop();
        continue;
      }
      const edge = edges[frame.next++];
      if (!edge || !sameLevel(edge.source, edge.target)) continue;
      const seen = state.get(edge.target);
      if (seen === 1) {
        throw invalidRequest(
          `The graph has a cycle through node ${describeNode(index.nodes.get(edge.target))}; loops belong in a loop or iteration node`,
          "graph",
        );
      }
      if (seen === undefined) {
        state.set(edge.target, 1);
        stack.push({ id: edge.target, next: 0 });
      }
    }
  }
}

function checkContainers(index: GraphIndex): void {
  for (const node of index.graph.nodes) {
    if (!containerTypes.has(node.data.type)) continue;
    const children = index.children.get(node.id) ?? [];
    const startId = node.data.start_node_id;
    const hasStart =
      typeof startId === "string" && children.some((child) => child.id === startId)
        ? true
        : children.some((child) => containerStartTypes.has(child.data.type));
    if (children.length > 0 && !hasStart) {
      throw invalidRequest(`Node ${describeNode(node)} has no start node inside it`, "graph");
    }
  }
}

/** Every selector-shaped value and `{{#…#}}` reference in a node's data. */
export function referencedSelectors(data: unknown): ValueSelector[] {
  const found: ValueSelector[] = [];
  const visit = (value: unknown, key: string, depth: number) => {
    if (depth > 12) return;
    if (typeof value === "string") {
      if (value.includes("{{#")) found.push(...selectorsIn(value));
      return;
    }
    if (Array.isArray(value)) {
      if (/selector$/.test(key) && value.length >= 2 && value.every((part) => typeof part === "string")) {
        found.push(value as string[]);
        return;
      }
      // variable-aggregator's `variables` is a list of selectors.
      for (const item of value)
        visit(item, key === "variables" && Array.isArray(item) ? "selector" : key, depth + 1);
      return;
    }
    if (value && typeof value === "object") {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey, depth + 1);
    }
  };
  visit(data, "", 0);
  return found;
}

function checkVariables(definition: WorkflowDefinition, index: GraphIndex, registry: NodeRegistry): void {
  const environment = new Set(definition.environmentVariables.map((variable) => variable.name));
  const conversation = new Set(definition.conversationVariables.map((variable) => variable.name));
  for (const node of index.graph.nodes) {
    if (node.data._unsupported !== undefined || !registry.get(node.data.type)) continue;
    for (const selector of referencedSelectors(node.data)) {
      const [namespace, name] = selector as [string, string];
      const problem =
        namespace === "env" && !environment.has(name)
          ? `environment variable '${name}', which is not declared`
          : namespace === "conversation" && !conversation.has(name)
            ? `conversation variable '${name}', which is not declared`
            : namespace !== "sys" &&
                namespace !== "env" &&
                namespace !== "conversation" &&
                !index.nodes.has(namespace)
              ? `'${selector.join(".")}', but there is no node '${namespace}'`
              : undefined;
      if (problem) throw invalidRequest(`Node ${describeNode(node)} reads ${problem}`, "graph");
    }
  }
}
