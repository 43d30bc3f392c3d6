import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import { hasTargetHandle, labelOf, sourceHandlesOf } from "./node-types.ts";
import type { GraphNode, NodeTrace } from "./workflow-types.ts";

export type WorkflowFlowNode = Node<{ node: GraphNode; trace?: NodeTrace }, "workflow">;

/** A node on the canvas: title, type, its run status and time, and its edge handles. */
export const WorkflowNodeView = memo(function WorkflowNodeView({
  data,
  selected,
}: NodeProps<WorkflowFlowNode>) {
  const nodeData = data.node.data;
  const trace = data.trace;
  const handles = sourceHandlesOf(nodeData);
  const status = trace?.status ?? "idle";
  const container = nodeData.type === "iteration" || nodeData.type === "loop";
  return (
    <div
      className={`wf-node wf-node-${nodeData.type}${selected ? " selected" : ""}${container ? " wf-container" : ""}`}
      data-node-id={data.node.id}
      data-status={status}
      data-unsupported={nodeData._unsupported ? "true" : undefined}
    >
      {hasTargetHandle(nodeData.type) && <Handle type="target" position={Position.Left} id="target" />}
      <div className="wf-node-head">
        <span className="wf-node-type">{labelOf(nodeData.type)}</span>
        {trace && <span className={`wf-status wf-status-${status}`}>{status}</span>}
      </div>
      <div className="wf-node-title">{nodeData.title || labelOf(nodeData.type)}</div>
      {nodeData._unsupported && (
        <div className="wf-node-warning" title={nodeData._unsupported}>
          cannot run here
        </div>
      )}
      {trace?.elapsedSeconds !== undefined && (
        <div className="wf-node-time">
          {formatSeconds(trace.elapsedSeconds)}
          {trace.executions > 1 ? ` · ${trace.executions} runs` : ""}
        </div>
      )}
      {handles.map((handle, index) => (
        <Handle
          key={handle.id}
          type="source"
          position={Position.Right}
          id={handle.id}
          style={handles.length > 1 ? { top: `${((index + 1) / (handles.length + 1)) * 100}%` } : undefined}
        >
          {handle.label && <span className="wf-handle-label">{handle.label}</span>}
        </Handle>
      ))}
    </div>
  );
});

export function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}
