import type { ConversationRow } from "./conversation-access.ts";

/** A conversation as the API returns it (docs/chat-api.md `Conversation`). */
export interface ConversationView {
  id: string;
  title: string;
  agentId: string | null;
  model: string;
  folder: string | null;
  pinned: boolean;
  activeLeafId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function conversationView(row: ConversationRow): ConversationView {
  return {
    id: row.id,
    title: row.title,
    agentId: row.agent_id,
    model: row.model,
    folder: row.folder,
    pinned: Number(row.pinned) === 1,
    activeLeafId: row.active_leaf_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
