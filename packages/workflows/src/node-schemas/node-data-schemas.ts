import type { z } from "zod";
import { nodeSettingsProblem } from "./describe-issue.ts";
import {
  answerDataSchema,
  assignerDataSchema,
  codeDataSchema,
  documentExtractorDataSchema,
  emitEventDataSchema,
  endDataSchema,
  humanInputDataSchema,
  ifElseDataSchema,
  iterationDataSchema,
  listOperatorDataSchema,
  loopDataSchema,
  startDataSchema,
  templateTransformDataSchema,
  variableAggregatorDataSchema,
} from "./flow-node-schemas.ts";
import { browserDataSchema, httpRequestDataSchema, toolDataSchema } from "./io-node-schemas.ts";
import {
  agentDataSchema,
  knowledgeRetrievalDataSchema,
  llmDataSchema,
  parameterExtractorDataSchema,
  questionClassifierDataSchema,
} from "./model-node-schemas.ts";

/**
 * The settings schema of every built-in node type, by type: the same objects the node
 * definitions carry as `dataSchema` (a test holds them equal), so the web editor checks JSON it
 * is given exactly as import and save do.
 */
export const nodeDataSchemas: Readonly<Record<string, z.ZodType>> = {
  start: startDataSchema,
  end: endDataSchema,
  answer: answerDataSchema,
  llm: llmDataSchema,
  "knowledge-retrieval": knowledgeRetrievalDataSchema,
  "question-classifier": questionClassifierDataSchema,
  "if-else": ifElseDataSchema,
  code: codeDataSchema,
  "template-transform": templateTransformDataSchema,
  "http-request": httpRequestDataSchema,
  tool: toolDataSchema,
  agent: agentDataSchema,
  "variable-aggregator": variableAggregatorDataSchema,
  // Dify's name for the aggregator before 0.6.
  "variable-assigner": variableAggregatorDataSchema,
  assigner: assignerDataSchema,
  "parameter-extractor": parameterExtractorDataSchema,
  iteration: iterationDataSchema,
  loop: loopDataSchema,
  "list-operator": listOperatorDataSchema,
  "document-extractor": documentExtractorDataSchema,
  "human-input": humanInputDataSchema,
  "emit-event": emitEventDataSchema,
  "nexus-browser": browserDataSchema,
};

/**
 * What is wrong with the types of a node's data, worded as import and save word it, or undefined.
 * Types without a schema (plugins, unknown types) get only the settings every node shares checked.
 *
 * @example
 * nodeDataProblem({ type: "assigner", items: [{ variable_selector: [], operation: "merge" }] });
 * // "setting 'items[0].operation' must be one of "over-write", …, not a string ("merge")"
 */
export function nodeDataProblem(data: unknown): string | undefined {
  const type = data && typeof data === "object" ? (data as { type?: unknown }).type : undefined;
  return nodeSettingsProblem(data, typeof type === "string" ? nodeDataSchemas[type] : undefined);
}
