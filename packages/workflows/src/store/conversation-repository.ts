import { type Database, newId, notFound } from "@nexus/core";
import type { Kysely } from "kysely";
import type { MemoryMessage } from "../nodes/node-definition.ts";

export interface ConversationState {
  id: string;
  variables: Record<string, unknown>;
  /** Earlier turns, oldest first. */
  memory: MemoryMessage[];
}

/** The conversation's variables and recent turns; a new conversation when `id` is undefined. */
export async function openConversation(
  db: Kysely<Database>,
  workspaceId: string,
  workflowId: string,
  id: string | undefined,
  user: string | undefined,
): Promise<ConversationState> {
  if (id === undefined || id === "") {
    const now = new Date().toISOString();
    const created = newId("wfc");
    await db
      .insertInto("workflow_conversations")
      .values({
        id: created,
        workspace_id: workspaceId,
        workflow_id: workflowId,
        end_user: user ?? null,
        variables: "{}",
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { id: created, variables: {}, memory: [] };
  }
  const row = await db
    .selectFrom("workflow_conversations")
    .select(["id", "variables"])
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .where("workflow_id", "=", workflowId)
    .executeTakeFirst();
  if (!row) throw notFound("Conversation", id);
  const messages = await db
    .selectFrom("workflow_messages")
    .select(["query", "answer"])
    .where("conversation_id", "=", id)
    .orderBy("created_at", "desc")
    .limit(50)
    .execute();
  const memory: MemoryMessage[] = [];
  for (const message of messages.reverse()) {
    memory.push({ role: "user", content: message.query }, { role: "assistant", content: message.answer });
  }
  return { id: row.id, variables: JSON.parse(row.variables) as Record<string, unknown>, memory };
}

/** Stores a finished turn and the conversation variables after it. */
export async function saveTurn(
  db: Kysely<Database>,
  workspaceId: string,
  conversationId: string,
  turn: {
    runId: string;
    messageId: string;
    query: string;
    answer: string;
    variables: Record<string, unknown>;
  },
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto("workflow_messages")
    .values({
      id: turn.messageId,
      conversation_id: conversationId,
      workspace_id: workspaceId,
      run_id: turn.runId,
      query: turn.query,
      answer: turn.answer,
      created_at: now,
    })
    .execute();
  await db
    .updateTable("workflow_conversations")
    .set({ variables: JSON.stringify(turn.variables), updated_at: now })
    .where("id", "=", conversationId)
    .execute();
}
