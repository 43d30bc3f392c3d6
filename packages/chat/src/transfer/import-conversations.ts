import { type Database, NexusError, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import type { ConversationOwner } from "../conversations/conversation-access.ts";
import { type ConversationView, conversationView } from "../conversations/conversation-view.ts";
import { buildTree, latestLeafUnder } from "../conversations/message-tree.ts";
import { withoutNul } from "../storable-text.ts";
import { readChatGPTExport } from "./chatgpt-import.ts";
import type { ImportedConversation, ImportedMessage } from "./imported-conversation.ts";
import { readNexusConversation } from "./nexus-import.ts";

/**
 * Imports our JSON export (one conversation) or ChatGPT's `conversations.json` (an array, each a
 * conversation) for `owner`. All or nothing: the file is read and checked in full first, then
 * written in one transaction, so a bad file leaves no partial import.
 */
export async function importConversations(
  db: Kysely<Database>,
  owner: ConversationOwner,
  file: unknown,
): Promise<ConversationView[]> {
  const conversations = readConversationFile(file);
  if (conversations.length === 0) {
    throw new NexusError("invalid_request", "The file has no conversations to import");
  }
  const agentIds = [...new Set(conversations.flatMap((conversation) => conversation.agentId ?? []))];
  const knownAgents = new Set(
    agentIds.length === 0
      ? []
      : (
          await db
            .selectFrom("chat_agents")
            .select("id")
            .where("workspace_id", "=", owner.workspaceId)
            .where("id", "in", agentIds)
            .execute()
        ).map((agent) => agent.id),
  );
  return db.transaction().execute(async (transaction) => {
    const created: ConversationView[] = [];
    for (const conversation of conversations) {
      // An agent of another workspace (or one deleted since the export) is not carried over.
      const agentId =
        conversation.agentId !== null && knownAgents.has(conversation.agentId) ? conversation.agentId : null;
      created.push(await writeConversation(transaction, owner, { ...conversation, agentId }));
    }
    return created;
  });
}

function readConversationFile(file: unknown): ImportedConversation[] {
  if (Array.isArray(file)) return readChatGPTExport(file);
  if (typeof file === "object" && file !== null) {
    if ("nexusConversation" in file) return [readNexusConversation(file)];
    // One conversation cut out of ChatGPT's array.
    if ("mapping" in file) return readChatGPTExport([file]);
  }
  throw new NexusError(
    "invalid_request",
    "Not a conversation file: expected a Nexus export ({ nexusConversation: 1, conversation, messages }) or ChatGPT's conversations.json (an array of conversations)",
  );
}

const rowsPerInsert = 200;

async function writeConversation(
  db: Kysely<Database>,
  owner: ConversationOwner,
  conversation: ImportedConversation,
): Promise<ConversationView> {
  const ids = new Map(conversation.messages.map((message) => [message.key, newId("msg")]));
  const idOf = (key: string | null) => (key === null ? null : (ids.get(key) ?? null));
  const messages = conversation.messages.map((message) => ({
    id: idOf(message.key) as string,
    conversation_id: "",
    workspace_id: owner.workspaceId,
    parent_id: idOf(message.parentKey),
    role: message.role,
    content: withoutNul(message.content),
    parts: JSON.stringify(message.parts),
    status: message.status,
    error: message.error === null ? null : withoutNul(message.error),
    model: message.model === null ? null : withoutNul(message.model),
    usage: message.usage === null ? null : JSON.stringify(message.usage),
    created_at: isoTime(message.createdAt),
    updated_at: isoTime(message.updatedAt),
  }));
  keepSiblingOrder(messages, conversation.messages);
  const tree = buildTree(messages);
  let activeLeafId = idOf(conversation.activeLeafKey);
  if (activeLeafId === null) {
    const newestRoot = tree.children.get(null)?.at(-1);
    activeLeafId = newestRoot ? latestLeafUnder(tree, newestRoot.id) : null;
  }
  const row = {
    id: newId("conv"),
    workspace_id: owner.workspaceId,
    owner_id: owner.ownerId,
    agent_id: conversation.agentId,
    title: withoutNul(conversation.title),
    model: withoutNul(conversation.model),
    folder: conversation.folder === null ? null : withoutNul(conversation.folder) || null,
    pinned: conversation.pinned ? 1 : 0,
    active_leaf_id: activeLeafId,
    created_at: isoTime(conversation.createdAt),
    updated_at: isoTime(conversation.updatedAt),
  };
  await db.insertInto("chat_conversations").values(row).execute();
  for (const message of messages) message.conversation_id = row.id;
  for (let start = 0; start < messages.length; start += rowsPerInsert) {
    await db
      .insertInto("chat_messages")
      .values(messages.slice(start, start + rowsPerInsert))
      .execute();
  }
  const feedback = conversation.messages.flatMap((message) =>
    message.feedback
      ? [
          {
            message_id: idOf(message.key) as string,
            workspace_id: owner.workspaceId,
            rating: message.feedback.rating,
            comment: withoutNul(message.feedback.comment),
            created_at: isoTime(message.updatedAt),
            updated_at: isoTime(message.updatedAt),
          },
        ]
      : [],
  );
  for (let start = 0; start < feedback.length; start += rowsPerInsert) {
    await db
      .insertInto("chat_feedback")
      .values(feedback.slice(start, start + rowsPerInsert))
      .execute();
  }
  return conversationView(row);
}

/**
 * Siblings are ordered by creation time, then id; the new ids are random within a millisecond,
 * so siblings created in the same millisecond get a millisecond apart, in the file's order.
 */
function keepSiblingOrder(
  rows: Array<{ parent_id: string | null; created_at: string }>,
  source: readonly ImportedMessage[],
): void {
  const order = rows
    .map((row, index) => ({ row, key: source[index]?.key ?? "" }))
    .sort((a, b) => a.row.created_at.localeCompare(b.row.created_at) || a.key.localeCompare(b.key));
  const lastByParent = new Map<string | null, number>();
  for (const { row } of order) {
    const previous = lastByParent.get(row.parent_id);
    let time = Date.parse(row.created_at);
    if (previous !== undefined && time <= previous) {
      time = previous + 1;
      row.created_at = new Date(time).toISOString();
    }
    lastByParent.set(row.parent_id, time);
  }
}

function isoTime(text: string): string {
  return new Date(text).toISOString();
}
