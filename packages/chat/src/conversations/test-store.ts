import {
  type ChatMessageTable,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Store,
} from "@nexus/core";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import type { ConversationOwner } from "./conversation-access.ts";

/** For tests: a fresh store of `kind` with the default workspaces, and owners in two of them. */
export async function openChatTestStore(kind: "sqlite" | "postgres"): Promise<{
  store: Store;
  owner: ConversationOwner;
  sameWorkspaceOtherOwner: ConversationOwner;
  otherWorkspaceOwner: ConversationOwner;
  close(): Promise<void>;
}> {
  const database = freshStoreOptions(kind);
  const store = await openStore(database.options);
  await ensureDefaultWorkspaces(store.db);
  const agentx = (await getWorkspaceBySlug(store.db, "agentx")).id;
  const azi = (await getWorkspaceBySlug(store.db, "azi-learns-ai")).id;
  return {
    store,
    owner: { workspaceId: agentx, ownerId: "key_a" },
    sameWorkspaceOtherOwner: { workspaceId: agentx, ownerId: "key_b" },
    otherWorkspaceOwner: { workspaceId: azi, ownerId: "key_a" },
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}

/** Inserts a message row directly (as the generation engine would) and returns its id. */
export async function insertTestMessage(
  store: Store,
  message: {
    id: string;
    conversationId: string;
    workspaceId: string;
    parentId: string | null;
    role?: ChatMessageTable["role"];
    content: string;
    createdAt: string;
    parts?: string;
  },
): Promise<string> {
  await store.db
    .insertInto("chat_messages")
    .values({
      id: message.id,
      conversation_id: message.conversationId,
      workspace_id: message.workspaceId,
      parent_id: message.parentId,
      role: message.role ?? "user",
      content: message.content,
      parts: message.parts ?? "[]",
      status: "complete",
      error: null,
      model: null,
      usage: null,
      created_at: message.createdAt,
      updated_at: message.createdAt,
    })
    .execute();
  return message.id;
}
