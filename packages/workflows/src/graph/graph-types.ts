/**
 * The workflow graph, in Dify's shape so a DSL file maps onto it one to one: nodes carry their
 * typed settings in `data` (with `data.type` the node type), edges connect a node's output handle
 * (`sourceHandle`: "source", an if-else case id, "fail-branch"…) to another node.
 */
export interface GraphNode {
  id: string;
  /** The React Flow renderer type ("custom", "custom-iteration-start"…); not the node type. */
  type?: string;
  data: NodeData;
  position?: { x: number; y: number };
  /** The iteration or loop node this node lives in. */
  parentId?: string;
  /** Layout and editor fields Dify writes (width, height, zIndex…), kept for export. */
  [extra: string]: unknown;
}

export interface NodeData {
  type: string;
  title: string;
  /** Set on import when Nexus cannot run this node; running it fails with this reason. */
  _unsupported?: string;
  [field: string]: unknown;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string;
  targetHandle: string;
  [extra: string]: unknown;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  [extra: string]: unknown;
}

export type WorkflowMode = "workflow" | "advanced-chat";

/** A variable the start node asks for (Dify's start `variables`). */
export interface StartVariable {
  variable: string;
  label?: string;
  type: string;
  required?: boolean;
  max_length?: number | null;
  options?: string[];
  default?: unknown;
  [extra: string]: unknown;
}

/** Environment and conversation variables as Dify declares them. */
export interface DeclaredVariable {
  id?: string;
  name: string;
  value_type: string;
  value: unknown;
  description?: string;
  [extra: string]: unknown;
}

/** A workflow as Nexus keeps it: the graph plus what a Dify export holds around it. */
export interface WorkflowDefinition {
  name: string;
  description: string;
  mode: WorkflowMode;
  graph: Graph;
  environmentVariables: DeclaredVariable[];
  conversationVariables: DeclaredVariable[];
  /** Dify's `workflow.features` and the `app` fields Nexus does not use, kept for export. */
  features: Record<string, unknown>;
  app: Record<string, unknown>;
  dependencies: unknown[];
}

/** A variable's address: `[nodeId, name, ...path]`, or `["sys"|"env"|"conversation", name]`. */
export type ValueSelector = string[];
