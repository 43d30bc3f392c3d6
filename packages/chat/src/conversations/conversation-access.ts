import { type ChatConversationTable, type Database, NexusError } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";

/** Who is asking: a conversation is visible only in its workspace and to its owner. */
export interface ConversationOwner {
  workspaceId: string;
  /** The caller's API key id (`principal.keyId`), or `workspace` for a login-link session. */
  ownerId: string;
}

export type ConversationRow = Selectable<ChatConversationTable>;

/**
 * The conversation `id` when `owner` may see it. Another owner's or another workspace's
 * conversation is a 404, the same answer as one that does not exist, so ids leak nothing.
 */
export async function findOwnedConversation(
  db: Kysely<Database>,
  owner: ConversationOwner,
  id: string,
): Promise<ConversationRow> {
  const row = await db
    .selectFrom("chat_conversations")
    .selectAll()
    .where("id", "=", id)
    .where("workspace_id", "=", owner.workspaceId)
    .where("owner_id", "=", owner.ownerId)
    .executeTakeFirst();
  if (!row) throw new NexusError("not_found", `Conversation '${id}' not found`);
  return row;
}
