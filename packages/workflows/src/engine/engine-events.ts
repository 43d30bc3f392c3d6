import type { GraphNode } from "../graph/graph-types.ts";

export type NodeStatus = "succeeded" | "failed" | "exception" | "stopped";

/** What the engine reports while a run goes; the API turns these into Dify's SSE events. */
export type EngineEvent =
  | {
      type: "node_started";
      executionId: string;
      node: GraphNode;
      /** 1-based order of this node execution in the run. */
      index: number;
      startedAt: number;
      /** The node acts on the world (calls out, runs code): a durable run records that it started. */
      sideEffects: boolean;
      /** The container (iteration/loop) this execution runs in, and which round. */
      containerId?: string;
      round?: number;
    }
  | {
      type: "node_finished";
      executionId: string;
      node: GraphNode;
      index: number;
      status: NodeStatus;
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      error?: string;
      startedAt: number;
      finishedAt: number;
      tokens: number;
      retries: number;
      /** The edge handle chosen ("source", an if-else case, "fail-branch"…). */
      handle: string;
      /** Said about this execution, e.g. that it ran again after an interruption. */
      note?: string;
      containerId?: string;
      round?: number;
    }
  | { type: "text_chunk"; text: string; fromNodeId: string; selector?: string[] };
