import { z } from "zod";

/** Shapes of the workflow API (docs/workflows.md). */
export const workflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  mode: z.enum(["workflow", "advanced-chat"]),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const importReportSchema = z.object({
  warnings: z.array(z.string()),
  unsupportedNodes: z.array(
    z.object({ id: z.string(), type: z.string(), title: z.string(), reason: z.string() }),
  ),
});

const idPattern = /^[A-Za-z0-9_.:-]{1,128}$/;
export const graphNodeSchema = z.looseObject({
  id: z.string().regex(idPattern, "node ids are 1-128 letters, digits, _ . : or -"),
  type: z.string().optional(),
  data: z.looseObject({ type: z.string().min(1).max(64), title: z.string().max(500).default("") }),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
  parentId: z.string().optional(),
});
export const graphEdgeSchema = z.looseObject({
  id: z.string().min(1).max(300),
  source: z.string().min(1),
  target: z.string().min(1),
  sourceHandle: z.string().default("source"),
  targetHandle: z.string().default("target"),
});
export const graphSchema = z.looseObject({
  nodes: z.array(graphNodeSchema).max(5000),
  edges: z.array(graphEdgeSchema).max(20000),
});

export const workflowDetailSchema = workflowSummarySchema.extend({
  graph: graphSchema,
  inputs: z.array(z.looseObject({ variable: z.string(), type: z.string() })),
  environmentVariables: z.array(z.unknown()),
  conversationVariables: z.array(z.unknown()),
});

export const runInputsSchema = z.record(z.string(), z.unknown()).default({});

export const runRequestSchema = z.object({
  inputs: runInputsSchema,
  query: z.string().max(100_000).optional(),
  conversation_id: z.string().max(128).optional(),
  response_mode: z.enum(["streaming", "blocking"]).default("streaming"),
  user: z.string().max(256).optional(),
  files: z.array(z.unknown()).max(50).optional(),
  version: z.number().int().positive().optional(),
});

export const nodeRunSchema = z.object({
  id: z.string(),
  nodeId: z.string(),
  nodeType: z.string(),
  title: z.string(),
  index: z.number(),
  status: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  tokens: z.number(),
  retries: z.number(),
  containerId: z.string().nullable(),
  round: z.number().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  elapsedMs: z.number(),
});

export const runRecordSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowVersion: z.number(),
  status: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  query: z.string().nullable(),
  conversationId: z.string().nullable(),
  user: z.string().nullable(),
  triggeredFrom: z.string(),
  totalSteps: z.number(),
  totalTokens: z.number(),
  elapsedMs: z.number().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
