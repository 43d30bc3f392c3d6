import { useVirtualizer } from "@tanstack/react-virtual";
import { type RefObject, useEffect, useMemo, useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import type { Me } from "../api-types.ts";
import { chatApi } from "../chat-api.ts";
import type { Conversation } from "../chat-types.ts";
import { FileImportButton } from "../components/file-import-button.tsx";
import { AgentsIcon, GearIcon } from "../components/icons.tsx";
import { readJsonFile } from "../download.ts";
import { ConversationRow, type RowActions } from "./conversation-row.tsx";
import { SearchResults } from "./search-results.tsx";
import type { ConversationList } from "./use-conversation-list.ts";

const rowHeightPx = 40;

interface SidebarProps {
  me: Me;
  list: ConversationList;
  activeId: string | null;
  searchInput: RefObject<HTMLInputElement | null>;
  onOpen(id: string): void;
  onNewChat(): void;
  /** The open conversation was deleted here. */
  onDeletedActive(): void;
  onClose(): void;
}

/** Conversations (pinned first, virtualized for thousands), search, and the way to the rest. */
export function ConversationSidebar(props: SidebarProps) {
  const { me, list, activeId, searchInput, onOpen } = props;
  const [query, setQuery] = useState("");
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: list.items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeightPx,
    overscan: 12,
    getItemKey: (index) => list.items[index]?.id ?? index,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastShown = virtualItems.at(-1)?.index ?? 0;
  const { hasMore, loading, loadMore } = list;
  const count = list.items.length;

  // Close to the end of what is loaded: fetch the next page.
  useEffect(() => {
    if (hasMore && !loading && lastShown >= count - 100) loadMore();
  }, [lastShown, count, hasMore, loading, loadMore]);

  const { upsert, remove } = list;
  const actions = useMemo<RowActions>(
    () => ({
      open: onOpen,
      togglePin: async (conversation: Conversation) => {
        try {
          upsert(await chatApi.updateConversation(conversation.id, { pinned: !conversation.pinned }));
        } catch (error) {
          setNotice({ ok: false, text: messageOf(error) });
        }
      },
      rename: async (conversation: Conversation, title: string) => {
        try {
          upsert(await chatApi.updateConversation(conversation.id, { title }));
        } catch (error) {
          setNotice({ ok: false, text: messageOf(error) });
        }
      },
      remove: async (conversation: Conversation) => {
        if (!window.confirm(`Delete "${conversation.title || "New chat"}"?`)) return;
        try {
          await chatApi.deleteConversation(conversation.id);
          remove(conversation.id);
          if (conversation.id === activeId) props.onDeletedActive();
        } catch (error) {
          setNotice({ ok: false, text: messageOf(error) });
        }
      },
    }),
    [onOpen, upsert, remove, activeId, props.onDeletedActive],
  );

  async function importFile(file: File) {
    setNotice(null);
    try {
      const { data } = await chatApi.importConversations(await readJsonFile(file));
      for (const conversation of data) upsert(conversation);
      setNotice({ ok: true, text: `Imported ${data.length} conversation${data.length === 1 ? "" : "s"}.` });
      if (data[0]) onOpen(data[0].id);
    } catch (error) {
      setNotice({ ok: false, text: `Import failed: ${messageOf(error)}` });
    }
  }

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-top">
        <div className="sidebar-brand">
          <span className="brand">Nexus</span>
          <button
            type="button"
            className="icon-button close-sidebar"
            aria-label="Close the sidebar"
            onClick={props.onClose}
          >
            ×
          </button>
        </div>
        <button
          type="button"
          className="new-chat-button"
          onClick={props.onNewChat}
          title="New chat (Ctrl+Shift+O)"
        >
          + New chat
        </button>
        <input
          ref={searchInput}
          type="search"
          className="sidebar-search"
          aria-label="Search conversations"
          placeholder="Search (Ctrl+K)"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setQuery("");
          }}
        />
      </div>
      {notice && (
        <p className={notice.ok ? "success small" : "error small"} role={notice.ok ? "status" : "alert"}>
          {notice.text}
        </p>
      )}
      {query.trim() !== "" ? (
        <div className="sidebar-scroll">
          <SearchResults query={query} onOpen={onOpen} />
        </div>
      ) : (
        <div className="sidebar-scroll" ref={scroller} data-testid="conversation-scroll">
          {list.error && (
            <p className="error small" role="alert">
              Could not list conversations: {list.error}{" "}
              <button type="button" className="secondary small-button" onClick={list.reload}>
                Retry
              </button>
            </p>
          )}
          {!list.loading && !list.error && count === 0 && (
            <p className="muted small sidebar-note">No conversations yet.</p>
          )}
          <div className="conversation-list" style={{ height: virtualizer.getTotalSize() }}>
            {virtualItems.map((item) => {
              const conversation = list.items[item.index];
              if (!conversation) return null;
              return (
                <div
                  key={item.key}
                  className="conversation-slot"
                  style={{ height: rowHeightPx, transform: `translateY(${item.start}px)` }}
                >
                  <ConversationRow
                    conversation={conversation}
                    active={conversation.id === activeId}
                    actions={actions}
                  />
                </div>
              );
            })}
          </div>
        </div>
      )}
      <nav className="sidebar-nav" aria-label="Workspace tools">
        <a href="#/agents" className="footer-link">
          <AgentsIcon /> Agents
        </a>
        <a href="#/workflows" className="footer-link">
          Workflows
        </a>
        <a href="#/knowledge" className="footer-link">
          Knowledge
        </a>
        <a href="#/browser" className="footer-link">
          Browser
        </a>
      </nav>
      <div className="sidebar-footer">
        <FileImportButton
          label="Import"
          inputLabel="Import conversations"
          accept=".json,application/json"
          className="secondary small-button"
          onFile={importFile}
        />
        <a href="#/settings/workspace" className="footer-link workspace-indicator" title="Workspace settings">
          <GearIcon /> <span className="current-workspace">{me.workspace.name}</span>
        </a>
      </div>
    </nav>
  );
}
