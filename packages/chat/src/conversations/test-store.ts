import { type ChatMessageTable, getWorkspaceBySlug, NexusError, type Store } from "@nexus/core";
import { expect } from "vitest";
import { openFreshStore } from "../../../core/src/testing/test-databases.ts";
import type { ConversationOwner } from "./conversation-access.ts";

/** For tests: a fresh store of `kind` with the default workspaces, and owners in two of them. */
export async function openChatTestStore(kind: "sqlite" | "postgres"): Promise<{
  store: Store;
  owner: ConversationOwner;
  sameWorkspaceOtherOwner: ConversationOwner;
  otherWorkspaceOwner: ConversationOwner;
  close(): Promise<void>;
}> {
  const { store, close } = await openFreshStore(kind);
  const agentx = (await getWorkspaceBySlug(store.db, "agentx")).id;
  const azi = (await getWorkspaceBySlug(store.db, "azi-learns-ai")).id;
  return {
    store,
    owner: { workspaceId: agentx, ownerId: "key_a" },
    sameWorkspaceOtherOwner: { workspaceId: agentx, ownerId: "key_b" },
    otherWorkspaceOwner: { workspaceId: azi, ownerId: "key_a" },
    close,
  };
}

/**
 * Inserts a message row directly (as the generation engine would) and returns its id: a finished
 * one unless `status` says otherwise (a generation left running, say).
 */
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
    status?: ChatMessageTable["status"];
    model?: string | null;
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
      status: message.status ?? "complete",
      error: null,
      model: message.model ?? null,
      usage: null,
      created_at: message.createdAt,
      updated_at: message.createdAt,
    })
    .execute();
  return message.id;
}

/** Awaits a promise that must reject with a NexusError, and returns that error. */
export async function nexusRejection(promise: Promise<unknown>): Promise<NexusError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(NexusError);
  return error as NexusError;
}
