import { z } from "zod";

/**
 * ChatGPT's `conversations.json` (Settings → Data controls → Export data): an array of
 * conversations, each a `mapping` of nodes linked by `parent` / `children`, with `current_node`
 * the leaf of the branch on screen. Read leniently (only the fields we use; OpenAI adds fields
 * without notice), as an upstream format.
 */
const chatgptMessageSchema = z.object({
  author: z.object({ role: z.string(), name: z.string().nullish() }),
  create_time: z.number().nullish(),
  update_time: z.number().nullish(),
  content: z
    .object({
      content_type: z.string(),
      parts: z.array(z.unknown()).nullish(),
      text: z.string().nullish(),
      language: z.string().nullish(),
    })
    .nullish(),
  metadata: z
    .object({
      is_visually_hidden_from_conversation: z.boolean().nullish(),
      model_slug: z.string().nullish(),
    })
    .nullish(),
  recipient: z.string().nullish(),
});
export type ChatGPTMessage = z.infer<typeof chatgptMessageSchema>;

export const chatgptConversationSchema = z.object({
  title: z.string().nullish(),
  create_time: z.number().nullish(),
  update_time: z.number().nullish(),
  mapping: z.record(
    z.string(),
    z.object({
      message: chatgptMessageSchema.nullish(),
      parent: z.string().nullish(),
      children: z.array(z.string()).nullish(),
    }),
  ),
  current_node: z.string().nullish(),
  default_model_slug: z.string().nullish(),
});
export type ChatGPTConversation = z.infer<typeof chatgptConversationSchema>;

export const chatgptExportSchema = z.array(chatgptConversationSchema).max(100_000);
