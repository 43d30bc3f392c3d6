import { agentParamsSchema, agentToolNames, messagePartSchema } from "@nexus/chat";
import { z } from "zod";

/** Response shapes of the chat API (docs/chat-api.md), for validation and the OpenAPI document. */
export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  avatar: z.string(),
  description: z.string(),
  systemPrompt: z.string(),
  model: z.string(),
  params: agentParamsSchema,
  openingMessage: z.string(),
  suggestedQuestions: z.array(z.string()),
  tools: z.array(z.enum(agentToolNames)),
  knowledgeBases: z.array(z.string()),
  fetchAllowedHosts: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const conversationSchema = z.object({
  id: z.string(),
  title: z.string(),
  agentId: z.string().nullable(),
  model: z.string(),
  folder: z.string().nullable(),
  pinned: z.boolean(),
  activeLeafId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const messageSchema = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  role: z.enum(["user", "assistant", "system", "tool"]),
  content: z.string(),
  parts: z.array(messagePartSchema),
  status: z.enum(["complete", "generating", "stopped", "failed"]),
  error: z.string().nullable(),
  model: z.string().nullable(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  siblings: z.object({ ids: z.array(z.string()), index: z.number() }),
  feedback: z.object({ rating: z.enum(["up", "down"]).nullable(), comment: z.string() }).optional(),
});

export const searchHitSchema = z.object({
  conversation: conversationSchema,
  message: z.object({ id: z.string(), role: z.string(), snippet: z.string() }),
});
