import {
  type ChatMessageTable,
  type Database,
  invalidRequest,
  NexusError,
  newId,
  notFound,
} from "@nexus/core";
import type { Kysely } from "kysely";
import type { ConversationRow } from "../conversations/conversation-access.ts";
import { parseParts } from "../conversations/message-part.ts";
import { branchOf, buildTree, type TreeNode } from "../conversations/message-tree.ts";
import type { GenerationRegistry } from "./generation-registry.ts";
import { loadGenerationSettings } from "./generation-settings.ts";
import { type AttachmentPart, assertMessageWithinLimits } from "./message-limits.ts";

export interface TurnDependencies {
  db: Kysely<Database>;
  registry: GenerationRegistry;
}

/** Who asks, for the gateway's limits and usage. */
export interface TurnCaller {
  apiKeyId: string | null;
  requestId?: string;
}

/**
 * Sends a user message and starts the reply. `parentId` undefined answers the active leaf; null
 * starts a new root. Two sends at once both land: each inserts its own rows, and the active leaf
 * is whichever reply started last.
 */
export async function sendMessage(
  { db, registry }: TurnDependencies,
  input: {
    conversation: ConversationRow;
    content: string;
    parts?: AttachmentPart[];
    parentId?: string | null;
    caller: TurnCaller;
  },
): Promise<{
  userMessage: ChatMessageTable;
  assistantMessage: ChatMessageTable;
  /** The conversation's messages after the turn (as far as this request knows), for sibling views. */
  nodes: TreeNode[];
}> {
  const { conversation, caller } = input;
  const parts = input.parts ?? [];
  assertSendable(input.content, parts);
  const settings = await loadGenerationSettings(db, conversation);
  const parentId = input.parentId === undefined ? conversation.active_leaf_id : input.parentId;
  // One read serves the parent's check, the prompt and the sibling views: the model is called
  // sooner, and the answer's `created` leaves sooner.
  const rows = await db
    .selectFrom("chat_messages")
    .select(["id", "parent_id", "created_at", "role", "content", "parts", "status"])
    .where("conversation_id", "=", conversation.id)
    .execute();
  const tree = buildTree(rows);
  if (parentId !== null && !tree.byId.has(parentId)) throw notFound("Message", parentId);
  const userMessage = userMessageRow(conversation, parentId, input.content, parts);
  // Stored with the reply's row, committed before the turn is answered and before any of the
  // reply leaves the server: a crash from the first token on cannot lose the message.
  const assistantMessage = await registry.startGeneration({
    conversation,
    parentMessage: userMessage,
    caller,
    settings,
    branch: [...branchOf(tree, parentId), userMessage],
    storeFirst: [userMessage],
  });
  return { userMessage, assistantMessage, nodes: [...rows, userMessage, assistantMessage] };
}

/** A new reply to the same user message, beside `messageId` (allowed while that one is generating). */
export async function regenerateMessage(
  { db, registry }: TurnDependencies,
  input: { conversation: ConversationRow; messageId: string; caller: TurnCaller },
): Promise<{ assistantMessage: ChatMessageTable }> {
  const message = await messageOf(db, input.conversation.id, input.messageId);
  if (message.role !== "assistant") {
    throw invalidRequest(
      `Message '${message.id}' is a ${message.role} message; only replies are regenerated`,
    );
  }
  if (message.parent_id === null) {
    throw invalidRequest(`Message '${message.id}' answers nothing, so it cannot be regenerated`);
  }
  const settings = await loadGenerationSettings(db, input.conversation);
  const assistantMessage = await registry.startGeneration({
    conversation: input.conversation,
    parentMessage: { id: message.parent_id },
    caller: input.caller,
    settings,
  });
  return { assistantMessage };
}

/**
 * An edited copy of a user message beside it (same parent), and a reply to it. Absent `parts`
 * keep the original's attachments.
 */
export async function editMessage(
  { db, registry }: TurnDependencies,
  input: {
    conversation: ConversationRow;
    messageId: string;
    content: string;
    parts?: AttachmentPart[];
    caller: TurnCaller;
  },
): Promise<{ userMessage: ChatMessageTable; assistantMessage: ChatMessageTable }> {
  const { conversation } = input;
  const original = await messageOf(db, conversation.id, input.messageId);
  if (original.role !== "user") {
    throw invalidRequest(
      `Message '${original.id}' is a ${original.role} message; only user messages are edited`,
    );
  }
  const parts =
    input.parts ??
    parseParts(original.parts).filter(
      (part): part is AttachmentPart => part.type === "image" || part.type === "text_file",
    );
  assertSendable(input.content, parts);
  const settings = await loadGenerationSettings(db, conversation);
  const userMessage = userMessageRow(conversation, original.parent_id, input.content, parts);
  // Stored with the reply's row (see sendMessage).
  const assistantMessage = await registry.startGeneration({
    conversation,
    parentMessage: userMessage,
    caller: input.caller,
    settings,
    storeFirst: [userMessage],
  });
  return { userMessage, assistantMessage };
}

/** A message of the conversation, or a 404. */
export async function messageOf(
  db: Kysely<Database>,
  conversationId: string,
  id: string,
): Promise<ChatMessageTable> {
  const row = await db
    .selectFrom("chat_messages")
    .selectAll()
    .where("id", "=", id)
    .where("conversation_id", "=", conversationId)
    .executeTakeFirst();
  if (!row) throw notFound("Message", id);
  return row;
}

function assertSendable(content: string, parts: readonly AttachmentPart[]): void {
  assertMessageWithinLimits(content, parts);
  if (content.trim() === "" && parts.length === 0) {
    throw new NexusError("invalid_request", "A message needs content or an attachment", { param: "content" });
  }
}

function userMessageRow(
  conversation: ConversationRow,
  parentId: string | null,
  content: string,
  parts: readonly AttachmentPart[],
): ChatMessageTable {
  const now = new Date().toISOString();
  return {
    id: newId("msg"),
    conversation_id: conversation.id,
    workspace_id: conversation.workspace_id,
    parent_id: parentId,
    role: "user",
    content,
    parts: JSON.stringify(parts),
    status: "complete",
    error: null,
    model: null,
    usage: null,
    created_at: now,
    updated_at: now,
  };
}
