import { useCallback, useEffect, useRef } from "react";
import { chatApi } from "../chat-api.ts";
import type { Message, StreamEvent } from "../chat-types.ts";
import { type ChatError, chatErrorOf } from "./chat-error.ts";
import { followMessageStream, type SseReader } from "./message-stream.ts";

export interface StreamCallbacks {
  /** Apply a change to one message of the shown branch (a no-op when it is not shown). */
  update(messageId: string, change: (message: Message) => Message): void;
  /** A connection's opening snapshot: the reply as it stands. */
  snapshot(messageId: string, snapshot: Extract<StreamEvent, { event: "snapshot" }>["data"]): void;
  /** A piece of the reply's text; deltas come only here, never through `update`. */
  delta(messageId: string, text: string): void;
  /** The stream ended with this final message. */
  finished(message: Message): void;
  failed(messageId: string, error: ChatError): void;
}

/** A message's stream event applied to the message. */
export function applyStreamEvent(message: Message, event: StreamEvent): Message {
  switch (event.event) {
    case "snapshot":
      // The usual first event of a reply just started says nothing new: keep the message as it is.
      if (
        message.content === event.data.content &&
        message.status === event.data.status &&
        message.parts.length === 0 &&
        event.data.parts.length === 0
      ) {
        return message;
      }
      return { ...message, content: event.data.content, parts: event.data.parts, status: event.data.status };
    case "delta":
      return { ...message, content: message.content + event.data.text };
    case "tool":
      return { ...message, parts: [...message.parts, event.data.part] };
    case "done":
      return { ...event.data.message, feedback: event.data.message.feedback ?? message.feedback };
    case "error":
      return { ...message, status: "failed", error: event.data.error.message };
  }
}

/**
 * The generation streams a conversation follows, one per generating message. Closing the page or
 * switching conversations only stops listening: generation goes on on the server.
 */
export function useMessageStreams(callbacks: StreamCallbacks) {
  const controllers = useRef(new Map<string, AbortController>());
  const latest = useRef(callbacks);
  latest.current = callbacks;

  const stopAll = useCallback(() => {
    for (const controller of controllers.current.values()) controller.abort();
    controllers.current.clear();
  }, []);

  /** Follows a generating message; `opened` is its stream when the turn's response carried it. */
  const follow = useCallback((conversationId: string, messageId: string, opened?: SseReader) => {
    if (controllers.current.has(messageId)) {
      opened?.cancel();
      return;
    }
    const controller = new AbortController();
    controllers.current.set(messageId, controller);
    const onEvent = (event: StreamEvent) => {
      if (controller.signal.aborted) return;
      if (event.event === "error") {
        latest.current.failed(messageId, { message: event.data.error.message, type: event.data.error.type });
      }
      if (event.event === "delta") latest.current.delta(messageId, event.data.text);
      else if (event.event === "snapshot") latest.current.snapshot(messageId, event.data);
      else if (event.event === "done") latest.current.finished(event.data.message);
      else latest.current.update(messageId, (message) => applyStreamEvent(message, event));
    };
    followMessageStream(chatApi.streamUrl(conversationId, messageId), onEvent, controller.signal, opened)
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = chatErrorOf(error);
        latest.current.failed(messageId, failure);
        // The page lost the stream for good: stop showing it as being written (a reload shows
        // how it stands on the server).
        latest.current.update(messageId, (message) =>
          message.status === "generating"
            ? { ...message, status: "failed", error: `Lost the reply's stream: ${failure.message}` }
            : message,
        );
      })
      .finally(() => {
        if (controllers.current.get(messageId) === controller) controllers.current.delete(messageId);
      });
  }, []);

  const unfollow = useCallback((messageId: string) => {
    controllers.current.get(messageId)?.abort();
    controllers.current.delete(messageId);
  }, []);

  // A conversation left behind keeps generating on the server; the page just stops listening.
  useEffect(() => stopAll, [stopAll]);

  return { follow, unfollow, stopAll };
}
