import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { Conversation } from "../chat-types.ts";

const pageSize = 200;

/** Pinned first, then the most recently updated: the server's order, kept as things change here. */
function byListOrder(a: Conversation, b: Conversation): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0;
}

export interface ConversationList {
  items: Conversation[];
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  /** A conversation created or changed on this page. */
  upsert(conversation: Conversation): void;
  remove(id: string): void;
}

/** The sidebar's conversations, fetched a page at a time as the list is scrolled. */
export function useConversationList(): ConversationList {
  const [items, setItems] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const generation = useRef(0);

  const fetchPage = useCallback(async (from: string | null, reset: boolean) => {
    if (inFlight.current && !reset) return;
    inFlight.current = true;
    const mine = reset ? ++generation.current : generation.current;
    setLoading(true);
    try {
      const page = await chatApi.listConversations({ cursor: from, limit: pageSize });
      if (mine !== generation.current) return;
      setItems((current) => {
        const base = reset ? [] : current;
        const known = new Set(base.map((conversation) => conversation.id));
        return [...base, ...page.data.filter((conversation) => !known.has(conversation.id))];
      });
      setCursor(page.nextCursor);
      setHasMore(page.nextCursor !== null && page.nextCursor !== undefined);
      setError(null);
    } catch (failure) {
      if (mine === generation.current) {
        setError(messageOf(failure));
        setHasMore(false);
      }
    } finally {
      if (mine === generation.current) {
        inFlight.current = false;
        setLoading(false);
      }
    }
  }, []);

  useEffect(() => {
    void fetchPage(null, true);
  }, [fetchPage]);

  const loadMore = useCallback(() => {
    if (hasMore && cursor) void fetchPage(cursor, false);
  }, [cursor, hasMore, fetchPage]);

  const reload = useCallback(() => void fetchPage(null, true), [fetchPage]);

  const upsert = useCallback((conversation: Conversation) => {
    setItems((current) => {
      const others = current.filter((candidate) => candidate.id !== conversation.id);
      return [...others, conversation].sort(byListOrder);
    });
  }, []);

  const remove = useCallback((id: string) => {
    setItems((current) => current.filter((conversation) => conversation.id !== id));
  }, []);

  return { items, loading, error, hasMore, loadMore, reload, upsert, remove };
}
