import { z } from "zod";

/**
 * What a message carries beside its text (docs/chat-api.md `Part`): attachments, tool calls,
 * tool results and the knowledge sources a reply was grounded in. Shape only; size limits belong to the routes that accept new parts.
 */
export const messagePartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("image"), dataUrl: z.string(), name: z.string().optional() }),
  z.object({ type: z.literal("text_file"), name: z.string(), text: z.string() }),
  z.object({ type: z.literal("tool_call"), id: z.string(), name: z.string(), arguments: z.string() }),
  z.object({
    type: z.literal("tool_result"),
    toolCallId: z.string(),
    name: z.string(),
    content: z.string(),
    isError: z.boolean().optional(),
  }),
  // Passages from the agent's knowledge bases the reply was given, numbered as it cites them.
  z.object({
    type: z.literal("citations"),
    citations: z.array(
      z.object({
        index: z.number(),
        knowledgeBaseId: z.string(),
        documentId: z.string(),
        documentName: z.string(),
        chunkId: z.string(),
        page: z.number().nullable(),
        score: z.number(),
        excerpt: z.string(),
      }),
    ),
  }),
]);
export type MessagePart = z.infer<typeof messagePartSchema>;

/** The parts of a stored `parts` column; what does not parse (a hand-edited row) is left out. */
export function parseParts(text: string): MessagePart[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const part = messagePartSchema.safeParse(item);
    return part.success ? [part.data] : [];
  });
}
