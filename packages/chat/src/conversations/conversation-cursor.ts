import { NexusError } from "@nexus/core";
import { z } from "zod";
import { storableString } from "../storable-text.ts";

/**
 * Where a page of the conversation list ended: the sort key of its last row (pinned, updated_at,
 * id). Keyset paging stays correct while conversations are added or updated between pages, which
 * an offset would not.
 */
export interface ConversationCursor {
  pinned: number;
  updatedAt: string;
  id: string;
}

const cursorSchema = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  storableString().max(64),
  storableString().max(128),
]);

export function encodeConversationCursor(cursor: ConversationCursor): string {
  return Buffer.from(JSON.stringify([cursor.pinned, cursor.updatedAt, cursor.id])).toString("base64url");
}

export function decodeConversationCursor(text: string): ConversationCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success) {
    throw new NexusError("invalid_request", "Invalid cursor: pass the nextCursor of the previous page", {
      param: "cursor",
    });
  }
  const [pinned, updatedAt, id] = parsed.data;
  return { pinned, updatedAt, id };
}
