/** Shapes of the workflow API (docs/workflows.md) as the page uses them. */
export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  mode: "workflow" | "advanced-chat";
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Dify node data: `type` and `title` always, the rest depends on the type. */
export type NodeData = Record<string, unknown> & { type: string; title: string; _unsupported?: string };

export interface GraphNode {
  id: string;
  type?: string;
  data: NodeData;
  position?: { x: number; y: number };
  parentId?: string;
  width?: number;
  height?: number;
  [extra: string]: unknown;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string;
  targetHandle?: string;
  [extra: string]: unknown;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  [extra: string]: unknown;
}

/** A start node's input variable. */
export interface StartVariable {
  variable: string;
  type: string;
  label?: string;
  required?: boolean;
  options?: string[];
  max_length?: number | null;
  default?: unknown;
}

export interface WorkflowDetail extends WorkflowSummary {
  graph: Graph;
  inputs: StartVariable[];
}

export interface ImportReport {
  warnings: string[];
  unsupportedNodes: { id: string; type: string; title: string; reason: string }[];
}

/** One node's state in the run shown on the page, from its SSE events. */
export interface NodeTrace {
  nodeId: string;
  title: string;
  nodeType: string;
  status: "running" | "succeeded" | "failed" | "exception" | "stopped" | string;
  outputs?: Record<string, unknown> | null;
  inputs?: Record<string, unknown> | null;
  error?: string | null;
  elapsedSeconds?: number;
  /** How many times it ran (iterations and loops run a node once per round). */
  executions: number;
}

export interface RunView {
  runId: string | null;
  status: "running" | "succeeded" | "failed" | "stopped" | string;
  nodes: Record<string, NodeTrace>;
  /** Order in which nodes first started. */
  order: string[];
  text: string;
  outputs: Record<string, unknown> | null;
  error: string | null;
  elapsedSeconds: number | null;
  /** The form of a human-input node the run waits on (from its `human_input_required` event). */
  waiting?: HumanInputForm | null;
}

/** What a human-input node asks: its fields become its outputs, the action chosen its branch. */
export interface HumanInputForm {
  nodeId: string;
  title: string;
  formContent: string;
  fields: Array<{ name: string; type: string; label: string; required: boolean }>;
  actions: Array<{ id: string; title: string }>;
}

/** A stored run (GET /api/workflows/:id/runs). */
export interface RunRecord {
  id: string;
  workflowVersion: number;
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  totalSteps: number;
  elapsedMs: number | null;
  createdAt: string;
  triggeredFrom: string;
}

/** One node execution of a stored run. */
export interface NodeRunRecord {
  nodeId: string;
  nodeType: string;
  title: string;
  index: number;
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  error: string | null;
  elapsedMs: number;
}
