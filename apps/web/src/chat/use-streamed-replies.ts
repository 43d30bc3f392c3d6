import { startTransition, useCallback, useRef, useState } from "react";
import type { Message } from "../chat-types.ts";
import { LiveText, liveKeyOf } from "./live-text.ts";
import { applyStreamEvent } from "./use-message-streams.ts";

type Snapshot = { content: string; parts: Message["parts"]; status: Message["status"] };

/**
 * How a conversation's shown messages follow their replies' streams: deltas go to LiveText (the
 * message alone renders them, at once), everything else changes the shown messages. A sent turn
 * is shown before the server answers; its server ids and the sidebar's reorder wait for the
 * reply's first text and render after it, as a transition.
 */
export function useStreamedReplies(
  setMessages: (change: (messages: Message[]) => Message[]) => void,
  /** The messages as last rendered. */
  shownMessages: () => Message[],
) {
  /** A sent turn's messages as the server answered them, by the reply's id (see `withServerIds`). */
  const answered = useRef(new Map<string, Message[]>());
  const [liveText] = useState(() => new LiveText());
  const afterFirstText = useRef(new Map<string, () => void>());

  /** Runs what waits for the reply's first text (or its end, when it has none), once. */
  const firstTextOrEnd = useCallback((messageId: string) => {
    const run = afterFirstText.current.get(messageId);
    if (!run) return;
    afterFirstText.current.delete(messageId);
    // After the frame that shows the first token, not competing with it.
    requestAnimationFrame(() => setTimeout(() => startTransition(run), 0));
  }, []);

  /** The shown messages of a turn, replaced by the server's for the turn of `messageId`. */
  const withServerIds = useCallback((messages: Message[], messageId: string): Message[] => {
    const arrived = answered.current.get(messageId);
    if (!arrived || !messages.some((message) => message.pending)) return messages;
    return messages.map(
      (message) => (message.pending && arrived.find((real) => real.localKey === message.localKey)) || message,
    );
  }, []);

  /** A generating message with the text streamed so far (the shown copy lags behind it). */
  const withLiveText = useCallback(
    (message: Message): Message => {
      const text = message.status === "generating" ? liveText.get(liveKeyOf(message)) : undefined;
      return text === undefined || text === message.content ? message : { ...message, content: text };
    },
    [liveText],
  );

  /** Applies a change to one shown message (a no-op when it is not shown). */
  const update = useCallback(
    (messageId: string, change: (message: Message) => Message) => {
      setMessages((current) => {
        const messages = withServerIds(current, messageId);
        // A change that changes nothing renders nothing.
        let changed = messages !== current;
        const next = messages.map((message) => {
          if (message.id !== messageId) return message;
          const changedMessage = change(withLiveText(message));
          if (changedMessage !== message) changed = true;
          return changedMessage;
        });
        return changed ? next : current;
      });
    },
    [setMessages, withServerIds, withLiveText],
  );

  /** The key a reply's live text is kept under, and the message the page shows for it. */
  const liveOf = useCallback(
    (messageId: string) => {
      const arrived = answered.current.get(messageId)?.find((message) => message.id === messageId);
      const key = arrived?.localKey ?? messageId;
      return { key, shown: shownMessages().find((message) => liveKeyOf(message) === key) };
    },
    [shownMessages],
  );

  /** A connection's opening snapshot. */
  const snapshot = useCallback(
    (messageId: string, data: Snapshot) => {
      const { key, shown } = liveOf(messageId);
      if (liveText.get(key) !== undefined || shown?.content !== data.content) liveText.set(key, data.content);
      // The model can be that quick: the reply's first text is in its opening snapshot.
      if (data.content !== "") firstTextOrEnd(messageId);
      // The text shows through liveText; the messages change only when the status or the parts
      // do (a reply's usual opening snapshot changes neither, and renders nothing).
      if (!shown || shown.status !== data.status || shown.parts.length + data.parts.length > 0) {
        update(messageId, (message) => applyStreamEvent(message, { event: "snapshot", data }));
      }
    },
    [liveOf, liveText, update, firstTextOrEnd],
  );

  const delta = useCallback(
    (messageId: string, text: string) => {
      const { key, shown } = liveOf(messageId);
      liveText.append(key, text, shown?.content ?? "");
      firstTextOrEnd(messageId);
    },
    [liveOf, liveText, firstTextOrEnd],
  );

  /**
   * The server answered a sent turn: `messages` (with the shown ones' `localKey`) replace the
   * shown ones with the reply's first change; `afterFirst` runs after its first text.
   */
  const turnAnswered = useCallback(
    (replyId: string, messages: Message[], afterFirst: () => void) => {
      answered.current.set(replyId, messages);
      afterFirstText.current.set(replyId, () => {
        update(replyId, (message) => message);
        afterFirst();
      });
    },
    [update],
  );

  /** The id the server gave a message still shown as sent (or its own id). */
  const serverIdOf = useCallback((message: Message): string => {
    if (!message.pending) return message.id;
    for (const turn of answered.current.values()) {
      const real = turn.find((candidate) => candidate.localKey === message.localKey);
      if (real) return real.id;
    }
    return message.id;
  }, []);

  /** Another conversation is shown. */
  const reset = useCallback(() => {
    answered.current.clear();
    afterFirstText.current.clear();
    liveText.clear();
  }, [liveText]);

  return { liveText, update, snapshot, delta, firstTextOrEnd, turnAnswered, serverIdOf, reset };
}
