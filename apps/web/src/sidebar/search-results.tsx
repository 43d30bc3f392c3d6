import { useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { SearchHit } from "../chat-types.ts";

/** The query's words marked in a snippet (as text: a snippet is never read as HTML). */
function Highlighted({ text, query }: { text: string; query: string }) {
  const words = query
    .split(/\s+/)
    .filter((word) => word.length > 1)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return <>{text}</>;
  const pieces = text.split(new RegExp(`(${words.join("|")})`, "gi"));
  return (
    <>
      {pieces.map((piece, index) =>
        index % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: pieces of one fixed string
          <mark key={index}>{piece}</mark>
        ) : (
          piece
        ),
      )}
    </>
  );
}

/** Full-text search over every message of every conversation. */
export function SearchResults({
  query,
  onOpen,
}: {
  query: string;
  onOpen: (conversationId: string) => void;
}) {
  const [state, setState] = useState<{ hits: SearchHit[]; error: string | null; pending: boolean }>({
    hits: [],
    error: null,
    pending: true,
  });

  useEffect(() => {
    let cancelled = false;
    setState((current) => ({ ...current, pending: true }));
    // Typing fast asks once, for the words typed when the typing pauses.
    const timer = setTimeout(async () => {
      try {
        const { data } = await chatApi.search(query.trim());
        if (!cancelled) setState({ hits: data, error: null, pending: false });
      } catch (error) {
        if (!cancelled) setState({ hits: [], error: messageOf(error), pending: false });
      }
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  if (state.error) {
    return (
      <p className="error small" role="alert">
        Search failed: {state.error}
      </p>
    );
  }
  if (!state.pending && state.hits.length === 0)
    return <p className="muted small sidebar-note">No messages match.</p>;
  return (
    <ul className="search-results" aria-label="Search results" aria-busy={state.pending}>
      {state.hits.map((hit) => (
        <li key={`${hit.conversation.id}:${hit.message.id}`}>
          <button type="button" className="search-hit" onClick={() => onOpen(hit.conversation.id)}>
            <span className="conversation-title">{hit.conversation.title || "New chat"}</span>
            <span className="snippet">
              <Highlighted text={hit.message.snippet} query={query} />
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
