import type { NodeData } from "../graph/graph-types.ts";
import { agentNode } from "./agent-node.ts";
import { answerNode } from "./answer-node.ts";
import { assignerNode } from "./assigner-node.ts";
import { browserNode } from "./browser-node.ts";
import { codeNode } from "./code-node.ts";
import { documentExtractorNode } from "./document-extractor-node.ts";
import { emitEventNode } from "./emit-event-node.ts";
import { endNode } from "./end-node.ts";
import { httpRequestNode } from "./http-request-node.ts";
import { humanInputNode } from "./human-input-node.ts";
import { ifElseNode } from "./if-else-node.ts";
import { iterationNode } from "./iteration-node.ts";
import { knowledgeRetrievalNode } from "./knowledge-retrieval-node.ts";
import { listOperatorNode } from "./list-operator-node.ts";
import { llmNode } from "./llm-node.ts";
import { loopNode } from "./loop-node.ts";
import type { NodeDefinition, NodeRegistry } from "./node-definition.ts";
import { parameterExtractorNode } from "./parameter-extractor-node.ts";
import { questionClassifierNode } from "./question-classifier-node.ts";
import { iterationStartNode, loopStartNode, startNode } from "./start-node.ts";
import { templateTransformNode } from "./template-transform-node.ts";
import { toolNode } from "./tool-node.ts";
import { variableAggregatorNode, variableAssignerLegacyNode } from "./variable-aggregator-node.ts";

/** Every node type Nexus runs. Adding one: a file under nodes/ and a line here. */
export const builtinNodes: NodeDefinition[] = [
  startNode,
  endNode,
  answerNode,
  llmNode,
  ifElseNode,
  codeNode,
  templateTransformNode,
  httpRequestNode,
  variableAggregatorNode,
  variableAssignerLegacyNode,
  assignerNode,
  iterationNode,
  iterationStartNode,
  loopNode,
  loopStartNode,
  listOperatorNode,
  parameterExtractorNode,
  questionClassifierNode,
  toolNode,
  knowledgeRetrievalNode,
  documentExtractorNode,
  humanInputNode,
  emitEventNode,
  agentNode,
  browserNode,
];

/** A registry over the given node definitions (the built-ins by default). */
export function createNodeRegistry(definitions: NodeDefinition[] = builtinNodes): NodeRegistry {
  const byType = new Map(definitions.map((definition) => [definition.type, definition]));
  return {
    get: (type) => byType.get(type),
    types: () => [...byType.keys()],
    unsupportedReason: (data: NodeData) => {
      const definition = byType.get(data.type);
      if (!definition) return `node type '${data.type}' is not supported by Nexus`;
      // Settings of the wrong types are not "unsupported" but invalid: the graph check rejects
      // them, and unsupportedReason may rely on its types.
      if (definition.dataSchema && !definition.dataSchema.safeParse(data).success) return undefined;
      return definition.unsupportedReason?.(data);
    },
  };
}
