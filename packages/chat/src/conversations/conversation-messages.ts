import type { ChatMessageTable, Database } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";
import { type ConversationOwner, findOwnedConversation } from "./conversation-access.ts";
import { type ConversationView, conversationView } from "./conversation-view.ts";
import { branchOf, buildTree, latestLeafUnder, type MessageTree } from "./message-tree.ts";
import { type MessageFeedback, type MessageView, messageView } from "./message-view.ts";

export type ChatMessageRow = Selectable<ChatMessageTable>;

/** Every message of a conversation, oldest first. */
export async function loadMessageRows(
  db: Kysely<Database>,
  conversationId: string,
): Promise<ChatMessageRow[]> {
  return db
    .selectFrom("chat_messages")
    .selectAll()
    .where("conversation_id", "=", conversationId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Feedback on the conversation's messages, by message id. */
export async function loadFeedback(
  db: Kysely<Database>,
  conversationId: string,
): Promise<Map<string, MessageFeedback>> {
  const rows = await db
    .selectFrom("chat_feedback")
    .innerJoin("chat_messages", "chat_messages.id", "chat_feedback.message_id")
    .select(["chat_feedback.message_id", "chat_feedback.rating", "chat_feedback.comment"])
    .where("chat_messages.conversation_id", "=", conversationId)
    .execute();
  return new Map(rows.map((row) => [row.message_id, { rating: row.rating, comment: row.comment }]));
}

/**
 * The leaf of the branch to show: the stored one, or (when it is unset or gone) the newest
 * continuation of the newest root, so a conversation with messages never shows as empty.
 */
export function activeLeafOf(tree: MessageTree<ChatMessageRow>, storedLeafId: string | null): string | null {
  if (storedLeafId !== null && tree.byId.has(storedLeafId)) return storedLeafId;
  const newestRoot = tree.children.get(null)?.at(-1);
  return newestRoot ? latestLeafUnder(tree, newestRoot.id) : null;
}

/** The conversation and its active branch, root first. */
export async function getConversationWithBranch(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<{ conversation: ConversationView; messages: MessageView[] }> {
  const row = await findOwnedConversation(db, owner, id);
  const [rows, feedback] = await Promise.all([loadMessageRows(db, id), loadFeedback(db, id)]);
  const tree = buildTree(rows);
  const branch = branchOf(tree, activeLeafOf(tree, row.active_leaf_id));
  return {
    conversation: conversationView(row),
    messages: branch.map((message) => messageView(message, tree, feedback.get(message.id))),
  };
}

/** Every message of every branch, oldest first. */
export async function getConversationTree(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<{ messages: MessageView[] }> {
  await findOwnedConversation(db, owner, id);
  const [rows, feedback] = await Promise.all([loadMessageRows(db, id), loadFeedback(db, id)]);
  const tree = buildTree(rows);
  return { messages: rows.map((message) => messageView(message, tree, feedback.get(message.id))) };
}
