import { memo, useState } from "react";
import type { Conversation } from "../chat-types.ts";
import { PencilIcon, PinIcon, TrashIcon } from "../components/icons.tsx";

export interface RowActions {
  open(id: string): void;
  togglePin(conversation: Conversation): void;
  rename(conversation: Conversation, title: string): void;
  remove(conversation: Conversation): void;
}

/** One conversation in the sidebar, with pin, rename and delete. */
export const ConversationRow = memo(function ConversationRow({
  conversation,
  active,
  actions,
}: {
  conversation: Conversation;
  active: boolean;
  actions: RowActions;
}) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(conversation.title);
  const shownTitle = conversation.title || "New chat";

  if (renaming) {
    return (
      <form
        className="conversation-row renaming"
        onSubmit={(event) => {
          event.preventDefault();
          setRenaming(false);
          if (title.trim() && title !== conversation.title) actions.rename(conversation, title.trim());
        }}
      >
        <input
          aria-label="Conversation title"
          value={title}
          maxLength={200}
          // biome-ignore lint/a11y/noAutofocus: the person just asked to rename this row
          autoFocus
          onChange={(event) => setTitle(event.target.value)}
          onBlur={() => setRenaming(false)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setRenaming(false);
          }}
        />
      </form>
    );
  }

  return (
    <div
      className={active ? "conversation-row active" : "conversation-row"}
      data-conversation-id={conversation.id}
    >
      <button
        type="button"
        className="conversation-open"
        aria-current={active ? "page" : undefined}
        onClick={() => actions.open(conversation.id)}
        title={shownTitle}
      >
        {conversation.pinned && (
          <span className="pin-mark" role="img" aria-label="Pinned">
            <PinIcon />
          </span>
        )}
        <span className="conversation-title">{shownTitle}</span>
      </button>
      <span className="row-actions">
        <button
          type="button"
          className="icon-button"
          aria-label={conversation.pinned ? `Unpin ${shownTitle}` : `Pin ${shownTitle}`}
          title={conversation.pinned ? "Unpin" : "Pin"}
          onClick={() => actions.togglePin(conversation)}
        >
          <PinIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Rename ${shownTitle}`}
          title="Rename"
          onClick={() => {
            setTitle(conversation.title);
            setRenaming(true);
          }}
        >
          <PencilIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Delete ${shownTitle}`}
          title="Delete"
          onClick={() => actions.remove(conversation)}
        >
          <TrashIcon />
        </button>
      </span>
    </div>
  );
});
