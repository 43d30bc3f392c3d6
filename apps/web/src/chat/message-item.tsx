import { memo, useState } from "react";
import type { AttachmentPart, Message, Rating } from "../chat-types.ts";
import { CopyButton } from "../components/copy-button.tsx";
import { SparkleIcon, ThumbDownIcon, ThumbUpIcon, UserIcon } from "../components/icons.tsx";
import { MarkdownView } from "../markdown/markdown-view.tsx";
import { AttachmentChips } from "./attachment-chips.tsx";
import { BranchSwitcher } from "./branch-switcher.tsx";
import type { ChatError } from "./chat-error.ts";
import { ErrorNotice } from "./error-notice.tsx";
import { useLiveContent } from "./live-text.ts";
import { SourceCitations } from "./source-citations.tsx";
import { ToolParts } from "./tool-parts.tsx";
import { useStreamingText } from "./use-streaming-text.ts";

export interface MessageActions {
  regenerate(messageId: string): void;
  edit(messageId: string, content: string, parts: AttachmentPart[]): Promise<boolean>;
  switchBranch(siblingId: string): void;
  rate(messageId: string, rating: Rating): void;
}

interface MessageItemProps {
  message: Message;
  actions: MessageActions;
  /** The generation's error with its type, when the stream reported one. */
  streamError?: ChatError;
  assistantName: string;
  assistantAvatar: string;
}

/** One message: its text as Markdown, attachments, tool calls, and what can be done with it. */
export const MessageItem = memo(function MessageItem(props: MessageItemProps) {
  const { message, actions, streamError, assistantName, assistantAvatar } = props;
  const [editing, setEditing] = useState(false);
  const isUser = message.role === "user";
  const generating = message.status === "generating";
  const text = useStreamingText(useLiveContent(message), generating);
  const attachments = message.parts.filter(
    (part): part is AttachmentPart => part.type === "image" || part.type === "text_file",
  );

  return (
    <article
      className={`message message-${message.role}`}
      data-message-id={message.pending ? undefined : message.id}
      data-pending={message.pending ? "" : undefined}
      data-status={message.status}
    >
      <div className="message-avatar" aria-hidden="true">
        {isUser ? <UserIcon /> : assistantAvatar || <SparkleIcon />}
      </div>
      <div className="message-body">
        <div className="message-meta">
          <span className="message-author">{isUser ? "You" : assistantName}</span>
          {!isUser && message.model && <span className="muted small">{message.model}</span>}
        </div>
        {attachments.length > 0 && <AttachmentChips parts={attachments} />}
        <ToolParts parts={message.parts} />
        <SourceCitations parts={message.parts} />
        {editing ? (
          <EditBox
            initial={message.content}
            onCancel={() => setEditing(false)}
            onSave={async (content) => {
              if (await actions.edit(message.id, content, attachments)) setEditing(false);
            }}
          />
        ) : (
          <div className="message-content">
            <MarkdownView text={text} streaming={generating} />
            {generating && <span className="typing-cursor" role="img" aria-label="Generating" />}
          </div>
        )}
        {message.status === "stopped" && <p className="muted small message-note">Stopped</p>}
        {message.status === "failed" && (
          <ErrorNotice
            error={streamError ?? { message: message.error ?? "The reply failed." }}
            onRetry={() => actions.regenerate(message.id)}
          />
        )}
        {!editing && !message.pending && (
          <div className="message-actions">
            <BranchSwitcher siblings={message.siblings} onSwitch={actions.switchBranch} />
            {!generating && <CopyButton text={message.content} label="Copy message" />}
            {isUser && !generating && (
              <button type="button" className="secondary small-button" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            {!isUser && !generating && (
              <>
                <button
                  type="button"
                  className="secondary small-button"
                  onClick={() => actions.regenerate(message.id)}
                >
                  Regenerate
                </button>
                <Thumbs message={message} onRate={(rating) => actions.rate(message.id, rating)} />
                {message.usage && (
                  <span className="muted small" title="prompt / completion tokens">
                    {message.usage.promptTokens} → {message.usage.completionTokens} tokens
                  </span>
                )}
              </>
            )}
          </div>
        )}
      </div>
    </article>
  );
});

function Thumbs({ message, onRate }: { message: Message; onRate: (rating: Rating) => void }) {
  const rating = message.feedback?.rating ?? null;
  return (
    <span className="thumbs">
      <button
        type="button"
        className="icon-button"
        aria-label="Good answer"
        aria-pressed={rating === "up"}
        onClick={() => onRate(rating === "up" ? null : "up")}
      >
        <ThumbUpIcon />
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Bad answer"
        aria-pressed={rating === "down"}
        onClick={() => onRate(rating === "down" ? null : "down")}
      >
        <ThumbDownIcon />
      </button>
    </span>
  );
}

function EditBox({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (content: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const [pending, setPending] = useState(false);
  return (
    <div className="edit-box">
      <textarea
        aria-label="Edit message"
        value={text}
        rows={Math.min(12, text.split("\n").length + 1)}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onCancel();
        }}
      />
      <div className="row">
        <button
          type="button"
          disabled={pending || text.trim() === ""}
          onClick={async () => {
            setPending(true);
            await onSave(text);
            setPending(false);
          }}
        >
          Save and send
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
