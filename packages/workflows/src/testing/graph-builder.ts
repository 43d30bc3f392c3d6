import { stringify } from "yaml";
import type { GraphEdge, GraphNode, WorkflowDefinition, WorkflowMode } from "../graph/graph-types.ts";

/** Builds small graphs for engine tests: nodes by id and data, edges as [source, target, handle?]. */
export function buildDefinition(
  nodes: Array<[string, Record<string, unknown> & { type: string }]>,
  edges: Array<[string, string, string?]>,
  mode: WorkflowMode = "workflow",
): WorkflowDefinition {
  const graphNodes: GraphNode[] = nodes.map(([id, data]) => ({
    id,
    type: "custom",
    data: { title: id, ...data },
    position: { x: 0, y: 0 },
  }));
  const graphEdges: GraphEdge[] = edges.map(([source, target, handle = "source"]) => ({
    id: `${source}-${handle}-${target}`,
    source,
    target,
    sourceHandle: handle,
    targetHandle: "target",
  }));
  return {
    name: "test",
    description: "",
    mode,
    graph: { nodes: graphNodes, edges: graphEdges },
    environmentVariables: [],
    conversationVariables: [],
    features: {},
    app: {},
    dependencies: [],
  };
}

/**
 * start → a human-input node `ask` ("Approve the draft?", a required `comment`, actions approve and
 * reject) → end `yes` (output `approved`) or end `no` (output `rejected`), each the comment.
 */
export function approvalDefinition(): WorkflowDefinition {
  return buildDefinition(
    [
      ["s", { type: "start", variables: [] }],
      [
        "ask",
        {
          type: "human-input",
          title: "Approve",
          form_content: "Approve the draft?",
          inputs: [{ output_variable_name: "comment", type: "paragraph", required: true }],
          user_actions: [
            { id: "approve", title: "Approve" },
            { id: "reject", title: "Reject" },
          ],
        },
      ],
      ["yes", { type: "end", outputs: [{ variable: "approved", value_selector: ["ask", "comment"] }] }],
      ["no", { type: "end", outputs: [{ variable: "rejected", value_selector: ["ask", "comment"] }] }],
    ],
    [
      ["s", "ask"],
      ["ask", "yes", "approve"],
      ["ask", "no", "reject"],
    ],
  );
}

/**
 * start → one http-request node `call` (no body, no auth) → end with its `body`: the workflow the
 * durability, worker and scale-out checks run. `startVariables` are text inputs of the start node.
 */
export function httpCallDefinition(options: {
  method: "get" | "post";
  url: string;
  startVariables?: string[];
}): WorkflowDefinition {
  const variables = (options.startVariables ?? []).map((variable) => ({
    variable,
    type: "text-input",
    required: true,
  }));
  return buildDefinition(
    [
      ["start", { type: "start", variables }],
      [
        "call",
        {
          type: "http-request",
          method: options.method,
          url: options.url,
          headers: "",
          params: "",
          body: { type: "none", data: [] },
          authorization: { type: "no-auth" },
          timeout: { connect: 10, read: 30, write: 10 },
        },
      ],
      ["end", { type: "end", outputs: [{ variable: "body", value_selector: ["call", "body"] }] }],
    ],
    [
      ["start", "call"],
      ["call", "end"],
    ],
  );
}

/** The definition as a Dify DSL file. */
export function dslOf(definition: WorkflowDefinition): string {
  return stringify({
    app: { mode: definition.mode, name: definition.name },
    kind: "app",
    version: "0.3.1",
    workflow: { graph: definition.graph, environment_variables: [], conversation_variables: [] },
  });
}

/** start → n template-transform nodes in a chain → end: a big graph for import and overhead checks. */
export function chainDefinition(length: number): WorkflowDefinition {
  const nodes: Array<[string, Record<string, unknown> & { type: string }]> = [
    ["start", { type: "start", variables: [] }],
  ];
  const edges: Array<[string, string]> = [];
  let previous = "start";
  for (let index = 0; index < length; index++) {
    const id = `n${index}`;
    nodes.push([
      id,
      {
        type: "variable-aggregator",
        variables: [[previous === "start" ? "sys" : previous, previous === "start" ? "query" : "output"]],
      },
    ]);
    edges.push([previous, id]);
    previous = id;
  }
  nodes.push(["end", { type: "end", outputs: [{ variable: "out", value_selector: [previous, "output"] }] }]);
  edges.push([previous, "end"]);
  return buildDefinition(nodes, edges);
}
