import { z } from "zod";
import { messagePartSchema } from "../conversations/message-part.ts";

const timeSchema = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" });

/**
 * Our own export (`GET /api/conversations/:id/export?format=json`), as import reads it. The
 * conversation's and messages' ids only link the file together; the import gives new ones.
 * `siblings` is derived, so it is accepted and ignored.
 */
export const nexusConversationFileSchema = z.strictObject({
  nexusConversation: z.literal(1, { error: "nexusConversation must be 1" }),
  conversation: z.strictObject({
    id: z.string().optional(),
    title: z.string().max(200),
    agentId: z.string().nullable().default(null),
    model: z.string().max(200),
    folder: z.string().min(1).max(100).nullable().default(null),
    pinned: z.boolean().default(false),
    activeLeafId: z.string().nullable().default(null),
    createdAt: timeSchema,
    updatedAt: timeSchema,
  }),
  messages: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(128),
        parentId: z.string().min(1).max(128).nullable(),
        role: z.enum(["user", "assistant", "system", "tool"]),
        content: z.string(),
        parts: z.array(messagePartSchema).default([]),
        status: z.enum(["complete", "generating", "stopped", "failed"]).default("complete"),
        error: z.string().nullable().default(null),
        model: z.string().nullable().default(null),
        usage: z
          .strictObject({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) })
          .nullable()
          .default(null),
        createdAt: timeSchema,
        updatedAt: timeSchema,
        siblings: z.unknown().optional(),
        feedback: z
          .strictObject({ rating: z.enum(["up", "down"]).nullable(), comment: z.string().max(10_000) })
          .optional(),
      }),
    )
    .max(100_000),
});
export type NexusConversationFile = z.output<typeof nexusConversationFileSchema>;
