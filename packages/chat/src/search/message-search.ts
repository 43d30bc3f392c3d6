import type { Store } from "@nexus/core";
import { sql } from "kysely";
import type { ConversationOwner } from "../conversations/conversation-access.ts";
import { type ConversationView, conversationView } from "../conversations/conversation-view.ts";
import { fts5Query, searchTerms, snippetOf, tsQuery } from "./search-query.ts";

export interface MessageSearchHit {
  conversation: ConversationView;
  message: { id: string; role: string; snippet: string };
}

interface HitRow {
  message_id: string;
  role: string;
  content: string;
  conversation_id: string;
}

/**
 * Full-text search over every message of the owner's conversations in the workspace, best match
 * first. Text with no letters or digits finds nothing (rather than everything).
 */
export async function searchMessages(
  store: Store,
  owner: ConversationOwner,
  query: string,
  limit = 20,
): Promise<MessageSearchHit[]> {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const size = Math.min(Math.max(Math.trunc(limit), 1), 100);
  const hits =
    store.dialect === "sqlite"
      ? await searchSqlite(store, owner, terms, size)
      : await searchPostgres(store, owner, terms, size);
  if (hits.length === 0) return [];
  const conversations = await store.db
    .selectFrom("chat_conversations")
    .selectAll()
    .where("id", "in", [...new Set(hits.map((hit) => hit.conversation_id))])
    .execute();
  const byId = new Map(conversations.map((row) => [row.id, conversationView(row)]));
  return hits.flatMap((hit) => {
    const conversation = byId.get(hit.conversation_id);
    if (!conversation) return [];
    return [
      {
        conversation,
        message: { id: hit.message_id, role: hit.role, snippet: snippetOf(hit.content, terms) },
      },
    ];
  });
}

async function searchSqlite(
  store: Store,
  owner: ConversationOwner,
  terms: string[],
  limit: number,
): Promise<HitRow[]> {
  const { rows } = await sql<HitRow>`
    select messages.id as message_id, messages.role, messages.content, messages.conversation_id
    from chat_messages_fts
    join chat_message_search_keys keys on keys.id = chat_messages_fts.rowid
    join chat_messages messages on messages.id = keys.message_id
    join chat_conversations conversations on conversations.id = messages.conversation_id
    where chat_messages_fts match ${fts5Query(terms)}
      and conversations.workspace_id = ${owner.workspaceId}
      and conversations.owner_id = ${owner.ownerId}
    order by chat_messages_fts.rank, messages.created_at desc
    limit ${limit}`.execute(store.db);
  return rows;
}

async function searchPostgres(
  store: Store,
  owner: ConversationOwner,
  terms: string[],
  limit: number,
): Promise<HitRow[]> {
  // Vectors are stored by migration 0007 (chat_message_search), so ranking reads, not re-parses.
  const { rows } = await sql<HitRow>`
    select messages.id as message_id, messages.role, messages.content, messages.conversation_id
    from chat_message_search vectors
    join chat_messages messages on messages.id = vectors.message_id
    join chat_conversations conversations on conversations.id = messages.conversation_id,
      to_tsquery('simple', ${tsQuery(terms)}) query
    where vectors.vector @@ query
      and conversations.workspace_id = ${owner.workspaceId}
      and conversations.owner_id = ${owner.ownerId}
    order by ts_rank(vectors.vector, query) desc, messages.created_at desc
    limit ${limit}`.execute(store.db);
  return rows;
}
