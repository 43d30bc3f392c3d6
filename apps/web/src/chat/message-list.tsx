import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useLayoutEffect, useRef } from "react";
import type { Message } from "../chat-types.ts";
import type { ChatError } from "./chat-error.ts";
import { type MessageActions, MessageItem } from "./message-item.tsx";

interface MessageListProps {
  messages: Message[];
  actions: MessageActions;
  streamErrors: Record<string, ChatError>;
  assistantName: string;
  assistantAvatar: string;
  /** Changes whenever the list should jump to its end (a new message sent, a conversation opened). */
  scrollKey: string;
  /** Shown above the first message (an agent's opening message). */
  header?: ReactNode;
}

const bottomSlackPx = 80;

/**
 * The active branch as a virtual list: only the messages near the viewport are in the page, so a
 * conversation of thousands of messages scrolls as smoothly as a short one. While the view is at
 * the bottom it follows new text; scrolling up to read stops that until the bottom is reached again.
 */
export function MessageList(props: MessageListProps) {
  const { messages, actions, streamErrors, assistantName, assistantAvatar, scrollKey, header } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  // The header, when there is one, is row 0 so it scrolls with the messages.
  const offset = header ? 1 : 0;
  const virtualizer = useVirtualizer({
    count: messages.length + offset,
    getScrollElement: () => scroller.current,
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (index) => {
      if (index < offset) return "header";
      const message = messages[index - offset];
      return message?.localKey ?? message?.id ?? index;
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrollKey is the trigger, not a value read
  useEffect(() => {
    following.current = true;
  }, [scrollKey]);

  const totalSize = virtualizer.getTotalSize();
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow every change of content or measured size
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [messages, totalSize, scrollKey]);

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight < bottomSlackPx;
  }

  return (
    <div className="message-scroll" ref={scroller} onScroll={onScroll} data-testid="message-scroll">
      <div className="message-virtual" style={{ height: totalSize }}>
        {virtualizer.getVirtualItems().map((item) => {
          // The rows before `offset` hold the header; the rest one message each.
          const isHeader = item.index < offset;
          const message = isHeader ? undefined : messages[item.index - offset];
          if (!isHeader && !message) return null;
          return (
            <div
              key={item.key}
              ref={virtualizer.measureElement}
              data-index={item.index}
              className="message-row"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              {message ? (
                <MessageItem
                  message={message}
                  actions={actions}
                  streamError={streamErrors[message.id]}
                  assistantName={assistantName}
                  assistantAvatar={assistantAvatar}
                />
              ) : (
                header
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
