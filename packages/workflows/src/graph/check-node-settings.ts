import { invalidRequest } from "@nexus/core";
import { nodeSettingsProblem } from "../node-schemas/describe-issue.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import { describeNode } from "./graph-index.ts";
import type { GraphNode, NodeData } from "./graph-types.ts";

/**
 * Rejects (400) the first node whose settings have the wrong types, naming the node, the setting
 * and what it must be — at save, not when the node runs. Nodes of unknown types are not checked.
 *
 * @example
 * // Node 'Fetch' (http): setting 'timeout' must be an object, not a string ("10")
 */
export function checkNodeSettings(nodes: GraphNode[], registry: NodeRegistry): void {
  for (const node of nodes) {
    const problem = settingsProblem(node.data, registry);
    if (problem) throw invalidRequest(`Node ${describeNode(node)}: ${problem}`, "graph");
  }
}

/** What is wrong with the types of a node's settings, or undefined (also for unknown node types). */
export function settingsProblem(data: NodeData, registry: NodeRegistry): string | undefined {
  const definition = registry.get(data.type);
  return definition ? nodeSettingsProblem(data, definition.dataSchema) : undefined;
}
