import { stringify } from "yaml";
import type { DeclaredVariable, GraphNode, WorkflowDefinition } from "../graph/graph-types.ts";
import { newestDslVersion } from "./dsl-version.ts";

export interface ExportOptions {
  /** Keep the values of secret environment variables (Dify's `include_secret`); blanked by default. */
  includeSecrets?: boolean;
}

/** The workflow as a Dify DSL file (YAML) that Dify and Nexus import. */
export function exportDsl(definition: WorkflowDefinition, options: ExportOptions = {}): string {
  const { _workflow, ...features } = definition.features as Record<string, unknown> & {
    _workflow?: Record<string, unknown>;
  };
  const document = {
    app: {
      ...definition.app,
      description: definition.description,
      mode: definition.mode,
      name: definition.name,
    },
    dependencies: definition.dependencies,
    kind: "app",
    version: newestDslVersion,
    workflow: {
      ...(_workflow ?? {}),
      conversation_variables: definition.conversationVariables,
      environment_variables: options.includeSecrets
        ? definition.environmentVariables
        : withoutSecretValues(definition.environmentVariables),
      features,
      graph: {
        ...definition.graph,
        // The unsupported mark is Nexus's note, not part of Dify's node data.
        nodes: definition.graph.nodes.map(withoutMark),
      },
    },
  };
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

function withoutMark(node: GraphNode): GraphNode {
  if (node.data._unsupported === undefined) return node;
  const { _unsupported, ...data } = node.data;
  return { ...node, data: data as GraphNode["data"] };
}

/**
 * Environment variables as shown outside the engine (exports without `include_secret`, the API):
 * a secret keeps its declaration, not its value.
 */
export function withoutSecretValues(variables: DeclaredVariable[]): DeclaredVariable[] {
  return variables.map((variable) =>
    variable.value_type === "secret" ? { ...variable, value: "" } : variable,
  );
}
