import type { Graph, GraphEdge, GraphNode } from "./graph-types.ts";

/** Container node types whose children form a sub-graph run once per item or round. */
export const containerTypes = new Set(["iteration", "loop"]);
/** Node types that only mark where a container's sub-graph starts. */
export const containerStartTypes = new Set(["iteration-start", "loop-start"]);

/** The container a node sits in, from `parentId` or Dify's `iteration_id`/`loop_id`. */
export function containerOf(node: GraphNode): string | undefined {
  if (typeof node.parentId === "string" && node.parentId !== "") return node.parentId;
  const data = node.data;
  if (data.isInIteration && typeof data.iteration_id === "string") return data.iteration_id;
  if (data.isInLoop && typeof data.loop_id === "string") return data.loop_id;
  return undefined;
}

/**
 * Lookups over one graph level, built once per run: nodes by id, edges by end, and which nodes
 * sit in which container. The engine reads these in its hot loop, so they are plain arrays/maps.
 */
export class GraphIndex {
  readonly nodes = new Map<string, GraphNode>();
  readonly outgoing = new Map<string, GraphEdge[]>();
  readonly incoming = new Map<string, GraphEdge[]>();
  readonly children = new Map<string, GraphNode[]>();

  constructor(readonly graph: Graph) {
    for (const node of graph.nodes) {
      this.nodes.set(node.id, node);
      this.outgoing.set(node.id, []);
      this.incoming.set(node.id, []);
      const parent = containerOf(node);
      if (parent !== undefined) {
        const list = this.children.get(parent);
        if (list) list.push(node);
        else this.children.set(parent, [node]);
      }
    }
    for (const edge of graph.edges) {
      this.outgoing.get(edge.source)?.push(edge);
      this.incoming.get(edge.target)?.push(edge);
    }
  }

  /** The nodes at the top level (not inside an iteration or loop). */
  topLevel(): GraphNode[] {
    return this.graph.nodes.filter((node) => containerOf(node) === undefined);
  }

  /** A sub-graph of only the given nodes and the edges between them. */
  subGraph(nodes: GraphNode[]): Graph {
    const ids = new Set(nodes.map((node) => node.id));
    return {
      nodes,
      edges: this.graph.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)),
    };
  }
}

/** `Title (id)` for error messages, so people can find the node in the editor and the DSL. */
export function describeNode(node: GraphNode | undefined, id?: string): string {
  if (!node) return `'${id ?? "?"}'`;
  return node.data.title ? `'${node.data.title}' (${node.id})` : `'${node.id}'`;
}
