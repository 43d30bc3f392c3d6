import type { ChatMessageTable } from "@nexus/core";
import type { MessagePart } from "../conversations/message-part.ts";
import type { MessageFeedback, MessageUsage } from "../conversations/message-view.ts";

/**
 * A conversation read from an import file, before it is stored: messages are linked by the
 * file's own keys, which get fresh ids when written.
 */
export interface ImportedConversation {
  title: string;
  model: string;
  agentId: string | null;
  folder: string | null;
  pinned: boolean;
  createdAt: string;
  updatedAt: string;
  /** The key of the message whose branch is shown; null for the newest branch. */
  activeLeafKey: string | null;
  messages: ImportedMessage[];
}

export interface ImportedMessage {
  key: string;
  parentKey: string | null;
  role: ChatMessageTable["role"];
  content: string;
  parts: MessagePart[];
  status: Exclude<ChatMessageTable["status"], "generating">;
  error: string | null;
  model: string | null;
  usage: MessageUsage | null;
  createdAt: string;
  updatedAt: string;
  feedback?: MessageFeedback;
}
