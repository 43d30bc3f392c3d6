import type { GraphIndex } from "../graph/graph-index.ts";
import type { WorkflowMode } from "../graph/graph-types.ts";
import type { NodeRegistry, RunServices } from "../nodes/node-definition.ts";
import type { EngineEvent } from "./engine-events.ts";

/** Limits of one run. */
export interface RunLimits {
  /** Node executions a run may make (Dify's WORKFLOW_MAX_EXECUTION_STEPS); default 500. */
  maxSteps: number;
  /** Wall time a run may take; default 20 minutes. */
  maxDurationMs: number;
  /** Wall time one node execution may take unless its data says otherwise; default 10 minutes. */
  nodeTimeoutMs: number;
}

export const defaultRunLimits: RunLimits = {
  maxSteps: 500,
  maxDurationMs: 20 * 60_000,
  nodeTimeoutMs: 10 * 60_000,
};

/** What every level (top graph, each iteration round) of one run shares. */
export interface RunState {
  runId: string;
  index: GraphIndex;
  registry: NodeRegistry;
  services: RunServices;
  mode: WorkflowMode;
  limits: RunLimits;
  deadline: number;
  /**
   * Stops the run's clock while a node waits for a person (human-input); call what it returns
   * when the wait ends, and the deadline moves on by the time waited.
   */
  pauseDeadline?: () => () => void;
  signal: AbortSignal;
  steps: number;
  tokens: number;
  exceptions: number;
  /** Why the run stopped early (steps, time, cancel); set once. */
  stopReason?: string;
  onEvent: (event: EngineEvent) => void;
  /**
   * Awaited after a side-effecting node's `node_started` and before it runs: the run's store
   * writes the node's start here, so a process killed while the node acts leaves a trace. A
   * rejection fails the node without running it.
   */
  beforeSideEffect?: (event: Extract<EngineEvent, { type: "node_started" }>) => Promise<void>;
  /** Resuming an interrupted run: top-level nodes that finished before, with their results. */
  resume?: Map<string, ResumedNode>;
  /** Top-level nodes that had started, but not finished, when the run was interrupted. */
  interrupted?: Set<string>;
  nextExecutionId(): string;
}

/** A node result kept from before an interruption. */
export interface ResumedNode {
  outputs: Record<string, unknown>;
  handle: string;
}
