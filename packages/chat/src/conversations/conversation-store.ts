import { type Database, NexusError, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import { z } from "zod";
import { parseOrThrow } from "../parse-or-throw.ts";
import { storableString } from "../storable-text.ts";
import { type ConversationOwner, findOwnedConversation } from "./conversation-access.ts";
import { decodeConversationCursor, encodeConversationCursor } from "./conversation-cursor.ts";
import { loadMessageRows } from "./conversation-messages.ts";
import { type ConversationView, conversationView } from "./conversation-view.ts";
import { buildTree, latestLeafUnder } from "./message-tree.ts";

const modelSchema = storableString().trim().min(1, "model must not be empty").max(200);
const titleSchema = storableString().trim().max(200, "title is at most 200 characters");

export const createConversationSchema = z.strictObject({
  agentId: storableString().min(1).max(128).optional(),
  model: modelSchema.optional(),
  title: titleSchema.optional(),
});
export type CreateConversationInput = z.input<typeof createConversationSchema>;

export const updateConversationSchema = z.strictObject({
  title: titleSchema.optional(),
  pinned: z.boolean().optional(),
  /** null takes the conversation out of its folder. */
  folder: storableString()
    .trim()
    .min(1, "folder must not be empty; null removes it")
    .max(100)
    .nullable()
    .optional(),
  model: modelSchema.optional(),
  /** Any message of the conversation: its branch is shown, down to its newest descendant. */
  activeLeafId: storableString().min(1).max(128).optional(),
});
export type UpdateConversationInput = z.input<typeof updateConversationSchema>;

export interface ListConversationsOptions {
  /** Only this folder; `null` only conversations in no folder; absent every one. */
  folder?: string | null;
  /** 1–200, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** The owner's conversations, pinned first, then most recently updated. */
export async function listConversations(
  db: Kysely<Database>,
  owner: ConversationOwner,
  options: ListConversationsOptions = {},
): Promise<{ data: ConversationView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
  let query = db
    .selectFrom("chat_conversations")
    .selectAll()
    .where("workspace_id", "=", owner.workspaceId)
    .where("owner_id", "=", owner.ownerId);
  if (options.folder === null) query = query.where("folder", "is", null);
  else if (options.folder !== undefined) query = query.where("folder", "=", options.folder);
  if (options.cursor !== undefined) {
    const after = decodeConversationCursor(options.cursor);
    query = query.where((eb) =>
      eb.or([
        eb("pinned", "<", after.pinned),
        eb.and([
          eb("pinned", "=", after.pinned),
          eb.or([
            eb("updated_at", "<", after.updatedAt),
            eb.and([eb("updated_at", "=", after.updatedAt), eb("id", "<", after.id)]),
          ]),
        ]),
      ]),
    );
  }
  const rows = await query
    .orderBy("pinned", "desc")
    .orderBy("updated_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeConversationCursor({ pinned: Number(last.pinned), updatedAt: last.updated_at, id: last.id })
      : null;
  return { data: page.map(conversationView), nextCursor };
}

/** A new, empty conversation; its model is the agent's when none is given. */
export async function createConversation(
  db: Kysely<Database>,
  owner: ConversationOwner,
  input: CreateConversationInput,
): Promise<ConversationView> {
  const fields = parseOrThrow(createConversationSchema, input, "conversation");
  let model = fields.model;
  if (fields.agentId !== undefined) {
    const agent = await db
      .selectFrom("chat_agents")
      .select("model")
      .where("id", "=", fields.agentId)
      .where("workspace_id", "=", owner.workspaceId)
      .executeTakeFirst();
    if (!agent) {
      throw new NexusError("invalid_request", `Agent '${fields.agentId}' not found in this workspace`, {
        param: "agentId",
      });
    }
    model ??= agent.model;
  }
  if (model === undefined) {
    throw new NexusError("invalid_request", "Give a model or an agentId (whose model is used)", {
      param: "model",
    });
  }
  const now = new Date().toISOString();
  const row = {
    id: newId("conv"),
    workspace_id: owner.workspaceId,
    owner_id: owner.ownerId,
    agent_id: fields.agentId ?? null,
    title: fields.title ?? "",
    model,
    folder: null,
    pinned: 0,
    active_leaf_id: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto("chat_conversations").values(row).execute();
  return conversationView(row);
}

/**
 * Renames, pins, files, changes the model or switches branch. Switching branch alone does not
 * count as an update (the list order stays as it was).
 */
export async function updateConversation(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
  input: UpdateConversationInput,
): Promise<ConversationView> {
  const fields = parseOrThrow(updateConversationSchema, input, "conversation update");
  await findOwnedConversation(db, owner, id);
  const changes: {
    title?: string;
    pinned?: number;
    folder?: string | null;
    model?: string;
    active_leaf_id?: string;
    updated_at?: string;
  } = {};
  if (fields.title !== undefined) changes.title = fields.title;
  if (fields.pinned !== undefined) changes.pinned = fields.pinned ? 1 : 0;
  if (fields.folder !== undefined) changes.folder = fields.folder;
  if (fields.model !== undefined) changes.model = fields.model;
  if (Object.keys(changes).length > 0) changes.updated_at = new Date().toISOString();
  if (fields.activeLeafId !== undefined) {
    const tree = buildTree(await loadMessageRows(db, id));
    if (!tree.byId.has(fields.activeLeafId)) {
      throw new NexusError(
        "invalid_request",
        `Message '${fields.activeLeafId}' is not in conversation '${id}'`,
        { param: "activeLeafId" },
      );
    }
    changes.active_leaf_id = latestLeafUnder(tree, fields.activeLeafId);
  }
  if (Object.keys(changes).length > 0) {
    await db
      .updateTable("chat_conversations")
      .set(changes)
      .where("id", "=", id)
      .where("workspace_id", "=", owner.workspaceId)
      .where("owner_id", "=", owner.ownerId)
      .execute();
  }
  return conversationView(await findOwnedConversation(db, owner, id));
}

/** Deletes the conversation with its messages and their feedback. */
/** Replies still being generated in a conversation of this owner (empty for an unknown conversation). */
export async function generatingMessageIds(
  db: Kysely<Database>,
  owner: ConversationOwner,
  conversationId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom("chat_messages")
    .innerJoin("chat_conversations", "chat_conversations.id", "chat_messages.conversation_id")
    .select("chat_messages.id")
    .where("chat_messages.conversation_id", "=", conversationId)
    .where("chat_messages.status", "=", "generating")
    .where("chat_conversations.workspace_id", "=", owner.workspaceId)
    .where("chat_conversations.owner_id", "=", owner.ownerId)
    .execute();
  return rows.map((row) => row.id);
}

export async function deleteConversation(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<void> {
  const result = await db
    .deleteFrom("chat_conversations")
    .where("id", "=", id)
    .where("workspace_id", "=", owner.workspaceId)
    .where("owner_id", "=", owner.ownerId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new NexusError("not_found", `Conversation '${id}' not found`);
}
