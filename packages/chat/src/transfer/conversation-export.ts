import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { type ConversationOwner, findOwnedConversation } from "../conversations/conversation-access.ts";
import { getConversationTree, getConversationWithBranch } from "../conversations/conversation-messages.ts";
import { type ConversationView, conversationView } from "../conversations/conversation-view.ts";
import type { MessageView } from "../conversations/message-view.ts";
import { conversationMarkdown } from "./conversation-markdown.ts";

/** The JSON export: the conversation and every message of every branch; import reads it back. */
export interface NexusConversationExport {
  nexusConversation: 1;
  conversation: ConversationView;
  messages: MessageView[];
}

export async function exportConversationJson(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<NexusConversationExport> {
  const conversation = conversationView(await findOwnedConversation(db, owner, id));
  const { messages } = await getConversationTree(db, owner, id);
  return { nexusConversation: 1, conversation, messages };
}

/** The Markdown export: the branch on screen. */
export async function exportConversationMarkdown(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<{ title: string; markdown: string }> {
  const { conversation, messages } = await getConversationWithBranch(db, owner, id);
  return { title: conversation.title, markdown: conversationMarkdown(conversation, messages) };
}
