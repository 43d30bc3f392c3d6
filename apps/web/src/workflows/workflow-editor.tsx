import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useState } from "react";
import { messageOf } from "../api-client.ts";
import { downloadText, fileNameOf } from "../download.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { NodeConfigPanel } from "./node-config-panel.tsx";
import { containerStartOf, containerTypes, membershipOf, newNodeId, nodeTypes } from "./node-types.ts";
import { RunHistory } from "./run-history.tsx";
import { RunPanel } from "./run-panel.tsx";
import { useWorkflowRun } from "./use-workflow-run.ts";
import { workflowApi } from "./workflow-api.ts";
import { type WorkflowFlowNode, WorkflowNodeView } from "./workflow-node.tsx";
import type { Graph, GraphEdge, GraphNode, NodeData, WorkflowDetail } from "./workflow-types.ts";
import "./workflow-editor.css";

const flowNodeTypes = { workflow: WorkflowNodeView };

function toFlowNodes(graph: Graph): WorkflowFlowNode[] {
  // React Flow wants a parent before its children.
  const parents = graph.nodes.filter((node) => !node.parentId);
  const children = graph.nodes.filter((node) => node.parentId);
  return [...parents, ...children].map((node) => ({
    id: node.id,
    type: "workflow",
    position: node.position ?? { x: 0, y: 0 },
    data: { node },
    ...(node.parentId ? { parentId: node.parentId, extent: "parent" as const } : {}),
    ...((node.data.type === "iteration" || node.data.type === "loop") && node.width && node.height
      ? { style: { width: node.width, height: node.height } }
      : {}),
    zIndex: node.parentId ? 1 : 0,
  }));
}

function toFlowEdges(graph: Graph): Edge[] {
  return graph.edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? "source",
    targetHandle: edge.targetHandle ?? "target",
    data: { edge },
    zIndex: 2,
  }));
}

function toGraph(base: Graph, nodes: WorkflowFlowNode[], edges: Edge[]): Graph {
  return {
    ...base,
    nodes: nodes.map((flow) => ({ ...flow.data.node, position: flow.position })),
    edges: edges.map((edge) => {
      const original = (edge.data as { edge?: GraphEdge } | undefined)?.edge;
      return {
        ...(original ?? { type: "custom" }),
        id: edge.id,
        source: edge.source,
        target: edge.target,
        sourceHandle: edge.sourceHandle ?? "source",
        targetHandle: edge.targetHandle ?? "target",
      };
    }),
  };
}

/** A workflow's graph: view and edit with React Flow, save, export, run with a live trace. */
export default function WorkflowEditor({
  workflowId,
  onOpenSidebar,
}: {
  workflowId: string;
  onOpenSidebar: () => void;
}) {
  const [workflow, setWorkflow] = useState<WorkflowDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [nodes, setNodes] = useState<WorkflowFlowNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const { run, start, stop, show } = useWorkflowRun(workflowId);

  const load = useCallback(async () => {
    try {
      const loaded = await workflowApi.get(workflowId);
      setWorkflow(loaded);
      setNodes(toFlowNodes(loaded.graph));
      setEdges(toFlowEdges(loaded.graph));
      setDirty(false);
      setLoadError(null);
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [workflowId]);

  useEffect(() => {
    void load();
  }, [load]);

  // The trace of the current run, on each node of the canvas.
  const shownNodes = useMemo(
    () =>
      nodes.map((flow) => {
        const trace = run?.nodes[flow.id];
        return trace === flow.data.trace ? flow : { ...flow, data: { ...flow.data, trace } };
      }),
    [nodes, run],
  );

  const onNodesChange = useCallback((changes: NodeChange<WorkflowFlowNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    if (changes.some((change) => change.type === "position" || change.type === "remove")) setDirty(true);
    for (const change of changes)
      if (change.type === "remove") setSelectedId((id) => (id === change.id ? null : id));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setEdges((current) => applyEdgeChanges(changes, current));
    if (changes.some((change) => change.type === "remove")) setDirty(true);
  }, []);
  const onConnect = useCallback((connection: Connection) => {
    const sourceHandle = connection.sourceHandle ?? "source";
    const id = `${connection.source}-${sourceHandle}-${connection.target}-target`;
    setEdges((current) =>
      addEdge({ ...connection, id, sourceHandle, targetHandle: "target", zIndex: 2 }, current),
    );
    setDirty(true);
  }, []);

  /** Adds a node: inside the selected iteration/loop (or the one holding the selection), else to the right. */
  function addNode(type: string) {
    const info = nodeTypes.find((item) => item.type === type);
    if (!info) return;
    const ids = new Set(nodes.map((node) => node.id));
    const id = newNodeId(ids);
    const selectedFlow = nodes.find((flow) => flow.id === selectedId);
    const containerId =
      selectedFlow && containerTypes.has(selectedFlow.data.node.data.type)
        ? selectedFlow.id
        : selectedFlow?.parentId;
    const container = nodes.find((flow) => flow.id === containerId);
    const isContainer = containerTypes.has(type);
    let position: { x: number; y: number };
    let membership: Record<string, unknown> = {};
    const added: WorkflowFlowNode[] = [];
    if (container && !isContainer) {
      const siblings = nodes.filter((flow) => flow.parentId === container.id);
      position = { x: Math.max(128, ...siblings.map((flow) => flow.position.x + 260)), y: 68 };
      membership = membershipOf(container.id, container.data.node.data.type);
      grow(container, position.x + 280);
    } else {
      const rightmost = Math.max(0, ...nodes.filter((flow) => !flow.parentId).map((flow) => flow.position.x));
      position = { x: rightmost + 320, y: 120 };
    }
    const data = {
      type,
      title: info.label,
      desc: "",
      ...info.defaults(),
      ...membership,
      ...(isContainer ? { start_node_id: `${id}start` } : {}),
    } as NodeData;
    const node: GraphNode = {
      id,
      type: "custom",
      data,
      position,
      width: isContainer ? 520 : 244,
      height: isContainer ? 220 : 90,
      ...(container && !isContainer ? { parentId: container.id } : {}),
    };
    added.push(...toFlowNodes({ nodes: [node], edges: [] }));
    if (isContainer) {
      const start = containerStartOf(id, type) as GraphNode;
      added.push(...toFlowNodes({ nodes: [start], edges: [] }));
    }
    setNodes((current) => [...current, ...added]);
    setSelectedId(id);
    setDirty(true);
  }

  /** Widens a container so a new child fits. */
  function grow(container: WorkflowFlowNode, width: number) {
    const current = container.data.node.width ?? 520;
    if (width <= current) return;
    const node = { ...container.data.node, width };
    setNodes((all) =>
      all.map((flow) =>
        flow.id === container.id
          ? { ...flow, data: { ...flow.data, node }, style: { ...flow.style, width, height: node.height } }
          : flow,
      ),
    );
  }

  function changeNodeData(id: string, data: NodeData) {
    setNodes((current) =>
      current.map((flow) =>
        flow.id === id ? { ...flow, data: { ...flow.data, node: { ...flow.data.node, data } } } : flow,
      ),
    );
    setDirty(true);
  }

  function deleteNode(id: string) {
    const removed = new Set([id, ...nodes.filter((flow) => flow.parentId === id).map((flow) => flow.id)]);
    setNodes((current) => current.filter((flow) => !removed.has(flow.id)));
    setEdges((current) => current.filter((edge) => !removed.has(edge.source) && !removed.has(edge.target)));
    setSelectedId(null);
    setDirty(true);
  }

  /** Saves the graph as the next version; false when the server refused it (the notice says why). */
  async function save(): Promise<boolean> {
    if (!workflow) return false;
    setSaving(true);
    try {
      const saved = await workflowApi.save(workflow.id, toGraph(workflow.graph, nodes, edges));
      setWorkflow(saved);
      setDirty(false);
      setNotice({ ok: true, text: `Saved as version ${saved.version}.` });
      return true;
    } catch (error) {
      setNotice({ ok: false, text: `Save failed: ${messageOf(error)}` });
      return false;
    } finally {
      setSaving(false);
    }
  }

  /** Runs what is on the canvas: unsaved changes are saved first, as Dify runs the draft. */
  async function saveAndRun(inputs: Record<string, unknown>, query?: string) {
    if (dirty && !(await save())) return;
    await start(inputs, query);
  }

  async function exportYaml() {
    if (!workflow) return;
    try {
      downloadText(
        `${fileNameOf(workflow.name, "workflow")}.yml`,
        await workflowApi.exportYaml(workflow.id),
        "text/yaml",
      );
    } catch (error) {
      setNotice({ ok: false, text: `Export failed: ${messageOf(error)}` });
    }
  }

  if (loadError) {
    return (
      <div className="page">
        <PageBar title="Workflow" onOpenSidebar={onOpenSidebar}>
          <a className="button-link secondary" href="#/workflows">
            All workflows
          </a>
        </PageBar>
        <p className="error" role="alert">
          Could not load the workflow: {loadError}
        </p>
      </div>
    );
  }
  if (!workflow) return <p className="muted page">Loading…</p>;
  const selected = nodes.find((flow) => flow.id === selectedId)?.data.node ?? null;

  return (
    <div className="wf-editor">
      <PageBar title={workflow.name} onOpenSidebar={onOpenSidebar}>
        <a className="button-link secondary" href="#/workflows">
          All workflows
        </a>
        <select
          aria-label="Add node"
          value=""
          onChange={(event) => {
            addNode(event.target.value);
            event.target.value = "";
          }}
        >
          <option value="">+ Add node</option>
          {nodeTypes.map((info) => (
            <option key={info.type} value={info.type}>
              {info.label}
            </option>
          ))}
        </select>
        <button type="button" className="secondary" onClick={exportYaml}>
          Export
        </button>
        <button type="button" onClick={save} disabled={!dirty || saving}>
          {saving ? "Saving…" : dirty ? "Save" : "Saved"}
        </button>
      </PageBar>
      {notice && (
        <p className={`wf-notice ${notice.ok ? "success" : "error"}`} role={notice.ok ? "status" : "alert"}>
          {notice.text}
        </p>
      )}
      <div className="wf-workspace">
        <section className="wf-canvas" aria-label="Workflow graph">
          <ReactFlow
            nodes={shownNodes}
            edges={edges}
            nodeTypes={flowNodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onNodeClick={(_event, node) => setSelectedId(node.id)}
            onPaneClick={() => setSelectedId(null)}
            fitView
            minZoom={0.1}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </section>
        <aside className="wf-side">
          {selected && (
            <NodeConfigPanel
              key={selected.id}
              node={selected}
              graphNodes={nodes.map((flow) => flow.data.node)}
              chat={workflow.mode === "advanced-chat"}
              onChange={(data) => changeNodeData(selected.id, data)}
              onDelete={() => deleteNode(selected.id)}
            />
          )}
          <RunPanel
            workflow={workflow}
            run={run}
            dirty={dirty}
            onRun={(inputs, query) => void saveAndRun(inputs, query)}
            onStop={() => void stop()}
          />
          <RunHistory
            workflowId={workflow.id}
            refreshKey={`${run?.runId ?? ""}:${run?.status ?? ""}`}
            onShow={show}
          />
        </aside>
      </div>
    </div>
  );
}
