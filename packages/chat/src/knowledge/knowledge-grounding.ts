import type { ChatMessage } from "@nexus/gateway";
import type { MessagePart } from "../conversations/message-part.ts";

/** Where a retrieved passage comes from (the knowledge package's citation). */
export interface SourceCitation {
  knowledgeBaseId: string;
  documentId: string;
  documentName: string;
  chunkId: string;
  /** 1-based PDF page; null for other documents. */
  page: number | null;
}

/**
 * Searches a workspace's knowledge bases: structurally the knowledge package's retriever, so
 * chat does not depend on that package (the server passes it in).
 */
export type KnowledgeSearch = (request: {
  workspaceId: string;
  knowledgeBaseIds: string[];
  query: string;
  topK?: number;
}) => Promise<{ hits: Array<{ content: string; score: number; citation: SourceCitation }> }>;

export type CitationsPart = Extract<MessagePart, { type: "citations" }>;

/** Passages per reply: enough to answer from, few enough to leave the model room. */
export const groundingTopK = 5;
/** Characters of one passage given to the model (and kept in the citation). */
const passageCharacters = 2_000;

/**
 * Finds passages for `query` in the agent's knowledge bases. Returns the citations part the
 * reply carries (numbered as the model is asked to cite them) and the system message that gives
 * the model the passages; nothing when no passage matched.
 */
export async function groundingFor(
  search: KnowledgeSearch,
  request: { workspaceId: string; knowledgeBaseIds: string[]; query: string },
): Promise<{ part: CitationsPart; message: ChatMessage } | undefined> {
  if (request.query.trim() === "" || request.knowledgeBaseIds.length === 0) return undefined;
  const { hits } = await search({ ...request, topK: groundingTopK });
  if (hits.length === 0) return undefined;
  const citations = hits.map((hit, index) => ({
    index: index + 1,
    ...hit.citation,
    score: hit.score,
    excerpt: hit.content.slice(0, passageCharacters),
  }));
  const sources = citations
    .map(
      (citation) =>
        `[${citation.index}] ${citation.documentName}${citation.page ? `, page ${citation.page}` : ""}\n${citation.excerpt}`,
    )
    .join("\n\n");
  return {
    part: { type: "citations", citations },
    message: {
      role: "system",
      content: `Answer from these sources where they help, and cite each one you use as [n]. If they do not hold the answer, say so.\n\n${sources}`,
    },
  };
}
