import type { ChatMessageTable } from "@nexus/core";
import { type MessagePart, parseParts } from "./message-part.ts";
import { type MessageTree, siblingsOf } from "./message-tree.ts";

export interface MessageUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface MessageFeedback {
  rating: "up" | "down" | null;
  comment: string;
}

/** A message as the API returns it (docs/chat-api.md `Message`). */
export interface MessageView {
  id: string;
  parentId: string | null;
  role: ChatMessageTable["role"];
  content: string;
  parts: MessagePart[];
  status: ChatMessageTable["status"];
  error: string | null;
  model: string | null;
  usage: MessageUsage | null;
  createdAt: string;
  updatedAt: string;
  siblings: { ids: string[]; index: number };
  feedback?: MessageFeedback;
}

/** The columns `messageView` reads; a full `chat_messages` row has them all. */
export type MessageRow = Pick<
  ChatMessageTable,
  | "id"
  | "parent_id"
  | "role"
  | "content"
  | "parts"
  | "status"
  | "error"
  | "model"
  | "usage"
  | "created_at"
  | "updated_at"
>;

/**
 * The API shape of a stored message. `tree` is the conversation's tree (for `siblings`); pass
 * the message's feedback when there is some. JSON columns that fail to parse (never written by
 * us, but a row edited by hand must not break the whole conversation) read as empty.
 *
 * @example messageView(row, buildTree(rows), { rating: "up", comment: "" })
 */
export function messageView(
  row: MessageRow,
  tree: MessageTree<{ id: string; parent_id: string | null; created_at: string }>,
  feedback?: MessageFeedback,
): MessageView {
  return {
    id: row.id,
    parentId: row.parent_id,
    role: row.role,
    content: row.content,
    parts: parseParts(row.parts),
    status: row.status,
    error: row.error,
    model: row.model,
    usage: parseUsage(row.usage),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    siblings: tree.byId.has(row.id) ? siblingsOf(tree, row.id) : { ids: [row.id], index: 0 },
    ...(feedback ? { feedback } : {}),
  };
}

function parseJson(text: string | null): unknown {
  if (text === null || text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseUsage(text: string | null): MessageUsage | null {
  const value = parseJson(text) as Partial<MessageUsage> | undefined;
  if (typeof value !== "object" || value === null) return null;
  return {
    promptTokens: typeof value.promptTokens === "number" ? value.promptTokens : 0,
    completionTokens: typeof value.completionTokens === "number" ? value.completionTokens : 0,
  };
}
