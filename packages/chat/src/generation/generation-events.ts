import type { ChatMessageTable } from "@nexus/core";
import type { MessagePart } from "../conversations/message-part.ts";

/** A failed generation's reason, in the API's error shape. */
export interface GenerationError {
  type: string;
  message: string;
  /** When a rate limit or budget refused the call: seconds until a retry can succeed. */
  retryAfterSeconds?: number;
}

/**
 * What a running generation tells its followers, in order. Offsets and indexes let a follower
 * that started from a stored snapshot skip what the snapshot already holds and notice a gap.
 */
export type GenerationEvent =
  /** `text` was appended at `offset` (the content's length before it). */
  | { type: "delta"; offset: number; text: string }
  /** `part` was added at `index` of the message's parts (a tool call or a tool result). */
  | { type: "tool"; index: number; part: MessagePart }
  /** The generation ended; the message row holds the final state before this is published. */
  | { type: "done"; status: FinishedStatus; error: GenerationError | null };

export type FinishedStatus = Exclude<ChatMessageTable["status"], "generating">;

/** Everything generated so far: the first thing every follower gets. */
export interface GenerationSnapshot {
  content: string;
  parts: MessagePart[];
  status: ChatMessageTable["status"];
}

/** core.events topic of one message's generation events (followed from any replica). */
export function messageEventsTopic(messageId: string): string {
  return `chat.message.${messageId}`;
}

/** core.events topic on which any replica asks the one running a generation to stop it. */
export const stopGenerationTopic = "chat.generation.stop";

export interface StopGenerationRequest {
  messageId: string;
}
