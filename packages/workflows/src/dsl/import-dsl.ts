import { invalidRequest, NexusError } from "@nexus/core";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { Graph, GraphEdge, GraphNode, WorkflowDefinition, WorkflowMode } from "../graph/graph-types.ts";
import { validateGraph } from "../graph/validate-graph.ts";
import type { NodeRegistry } from "../nodes/node-definition.ts";
import { type DslDocument, dslDocumentSchema } from "./dsl-schema.ts";
import { unreadableVersionReason } from "./dsl-version.ts";

/** The largest DSL file accepted; Dify's own exports of big apps stay far below it. */
export const maxDslBytes = 4 * 1024 * 1024;

export interface UnsupportedNode {
  id: string;
  type: string;
  title: string;
  reason: string;
}

export interface ImportReport {
  warnings: string[];
  unsupportedNodes: UnsupportedNode[];
}

export interface ImportedWorkflow {
  definition: WorkflowDefinition;
  report: ImportReport;
}

/**
 * Reads a Dify DSL file (YAML, versions 0.1.x to 0.5.x) into a workflow definition. Nodes Nexus
 * cannot run are kept, marked `data._unsupported` and listed in the report; anything that makes
 * the graph unusable (bad YAML, not an app, cycles, dangling edges, unknown variables) throws a
 * 400 naming the cause.
 *
 * @example
 * const { definition, report } = importDsl(fs.readFileSync("app.yml", "utf8"), registry);
 */
export function importDsl(text: string, registry: NodeRegistry): ImportedWorkflow {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxDslBytes) {
    throw new NexusError(
      "payload_too_large",
      `The DSL is ${(bytes / 1024 / 1024).toFixed(1)} MB; the limit is ${maxDslBytes / 1024 / 1024} MB`,
    );
  }
  const document = parseYaml(text);
  const parsed = dslDocumentSchema.safeParse(document);
  if (!parsed.success) throw invalidRequest(`Not a Dify app DSL: ${describeIssues(parsed.error)}`, "yaml");
  return definitionOf(parsed.data, registry);
}

function parseYaml(text: string): unknown {
  // maxAliasCount guards against alias bombs; one document only.
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    throw invalidRequest(`Invalid YAML: ${first?.message.split("\n")[0] ?? "unreadable"}`, "yaml");
  }
  const value = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("Not a Dify app DSL: the YAML is not a mapping", "yaml");
  }
  return value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

function definitionOf(document: DslDocument, registry: NodeRegistry): ImportedWorkflow {
  const versionProblem = unreadableVersionReason(document.version);
  if (versionProblem) throw invalidRequest(versionProblem, "yaml");
  const mode = document.app.mode;
  if (mode !== "workflow" && mode !== "advanced-chat") {
    throw invalidRequest(
      `App mode '${mode}' is not a workflow; Nexus imports 'workflow' and 'advanced-chat' apps`,
      "yaml",
    );
  }
  if (!document.workflow) throw invalidRequest("The DSL has no 'workflow' section", "yaml");
  const warnings: string[] = [];
  if (document.version === undefined) warnings.push("The DSL has no version; read as 0.1.0");
  const graph = graphOf(document.workflow.graph);
  const unsupportedNodes = markUnsupported(graph, registry);
  const {
    features,
    environment_variables,
    conversation_variables,
    graph: _graph,
    ...workflowRest
  } = document.workflow;
  const { mode: _mode, name, description, ...appRest } = document.app;
  const definition: WorkflowDefinition = {
    name: name?.trim() || "Imported workflow",
    description: description ?? "",
    mode: mode as WorkflowMode,
    graph,
    environmentVariables: (environment_variables ?? []) as WorkflowDefinition["environmentVariables"],
    conversationVariables: (conversation_variables ?? []) as WorkflowDefinition["conversationVariables"],
    features: {
      ...(features ?? {}),
      ...(Object.keys(workflowRest).length > 0 ? { _workflow: workflowRest } : {}),
    },
    app: appRest,
    dependencies: document.dependencies ?? [],
  };
  validateGraph(definition, registry);
  return { definition, report: { warnings, unsupportedNodes } };
}

function graphOf(raw: NonNullable<DslDocument["workflow"]>["graph"]): Graph {
  const { nodes, edges, ...rest } = raw;
  const graphEdges: GraphEdge[] = (edges ?? []).map((edge) => ({
    ...edge,
    id: edge.id ?? `${edge.source}-${edge.sourceHandle}-${edge.target}-${edge.targetHandle}`,
  }));
  return { ...rest, nodes: nodes as GraphNode[], edges: graphEdges };
}

/** Marks and lists the nodes the registry cannot run (unknown type, or a setting it refuses). */
export function markUnsupported(graph: Graph, registry: NodeRegistry): UnsupportedNode[] {
  const unsupported: UnsupportedNode[] = [];
  for (const node of graph.nodes) {
    const reason = registry.unsupportedReason(node.data);
    if (reason) {
      node.data._unsupported = reason;
      unsupported.push({ id: node.id, type: node.data.type, title: node.data.title, reason });
    } else if (node.data._unsupported !== undefined) {
      delete node.data._unsupported;
    }
  }
  return unsupported;
}
