import { createContext, useCallback, useContext, useSyncExternalStore } from "react";

/**
 * The text of replies being streamed, by message key (`localKey` for a message sent from this
 * page, else its id), kept apart from the conversation's state. A delta then re-renders only the
 * message it belongs to, and at once (a store update renders synchronously): the first token does
 * not wait for the whole chat pane to render again, nor for a scheduler task.
 * Only a reply's first text renders at once; later deltas that arrive together (a chunk of the
 * stream holds many) render once, in a task after them.
 * The conversation's state takes the text over when the reply's status changes (done, failed,
 * stopped); a message that is no longer generating shows its own content.
 */
export class LiveText {
  private readonly texts = new Map<string, string>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly due = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  get(key: string): string | undefined {
    return this.texts.get(key);
  }

  /** Sets the whole text (a stream's opening snapshot); tells the message only when it changed. */
  set(key: string, text: string): void {
    if (this.texts.get(key) === text) return;
    this.texts.set(key, text);
    this.notify(key);
  }

  /** Appends a delta to the text so far, or to `base` when nothing was set yet. */
  append(key: string, text: string, base: string): void {
    if (text === "") return;
    const before = this.texts.get(key) ?? base;
    this.texts.set(key, before + text);
    if (before === "") {
      this.notify(key);
      return;
    }
    this.due.add(key);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const keys = [...this.due];
      this.due.clear();
      for (const due of keys) this.notify(due);
    }, 0);
  }

  /** Forgets every text (another conversation is shown); no message is told. */
  clear(): void {
    this.texts.clear();
  }

  subscribe(key: string, listener: () => void): () => void {
    let keyed = this.listeners.get(key);
    if (!keyed) {
      keyed = new Set();
      this.listeners.set(key, keyed);
    }
    keyed.add(listener);
    return () => {
      keyed.delete(listener);
      if (keyed.size === 0) this.listeners.delete(key);
    };
  }

  private notify(key: string): void {
    for (const listener of this.listeners.get(key) ?? []) listener();
  }
}

export const LiveTextContext = createContext<LiveText | null>(null);

/** The key a message's live text is kept under. */
export function liveKeyOf(message: { id: string; localKey?: string }): string {
  return message.localKey ?? message.id;
}

/**
 * A message's content as it should show: while it is generating, the streamed text when there is
 * some; otherwise (and outside a LiveTextContext) the message's own content.
 */
export function useLiveContent(message: {
  id: string;
  localKey?: string;
  content: string;
  status: string;
}): string {
  const live = useContext(LiveTextContext);
  const key = liveKeyOf(message);
  const subscribe = useCallback(
    (listener: () => void) => live?.subscribe(key, listener) ?? (() => {}),
    [live, key],
  );
  const text = useSyncExternalStore(subscribe, () => live?.get(key));
  return message.status === "generating" && text !== undefined ? text : message.content;
}
