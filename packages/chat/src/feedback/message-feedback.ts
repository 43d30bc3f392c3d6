import { type ChatMessageTable, type Database, notFound } from "@nexus/core";
import type { Kysely } from "kysely";
import type { ConversationOwner } from "../conversations/conversation-access.ts";
import type { MessageFeedback } from "../conversations/message-view.ts";

/**
 * Stores (replaces) the caller's thumbs and comment on a message, kept for fine-tuning datasets.
 * The message must be in the caller's workspace and in a conversation the caller owns; anything
 * else is a 404. Returns the message row and the stored feedback.
 */
export async function putMessageFeedback(
  db: Kysely<Database>,
  owner: ConversationOwner,
  messageId: string,
  feedback: { rating: MessageFeedback["rating"]; comment?: string },
): Promise<{ message: ChatMessageTable; feedback: MessageFeedback }> {
  const message = await db
    .selectFrom("chat_messages")
    .innerJoin("chat_conversations", "chat_conversations.id", "chat_messages.conversation_id")
    .selectAll("chat_messages")
    .where("chat_messages.id", "=", messageId)
    .where("chat_messages.workspace_id", "=", owner.workspaceId)
    .where("chat_conversations.workspace_id", "=", owner.workspaceId)
    .where("chat_conversations.owner_id", "=", owner.ownerId)
    .executeTakeFirst();
  if (!message) throw notFound("Message", messageId);
  const stored: MessageFeedback = { rating: feedback.rating, comment: feedback.comment ?? "" };
  const now = new Date().toISOString();
  await db
    .insertInto("chat_feedback")
    .values({
      message_id: messageId,
      workspace_id: owner.workspaceId,
      rating: stored.rating,
      comment: stored.comment,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) =>
      conflict
        .column("message_id")
        .doUpdateSet({ rating: stored.rating, comment: stored.comment, updated_at: now }),
    )
    .execute();
  return { message, feedback: stored };
}
