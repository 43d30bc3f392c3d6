import type { MessagePart } from "../chat-types.ts";

/**
 * The knowledge-base passages a reply was grounded in, numbered as it cites them ([n]); each
 * opens to its text and links to its knowledge base.
 */
export function SourceCitations({ parts }: { parts: MessagePart[] }) {
  const citations = parts.flatMap((part) => (part.type === "citations" ? part.citations : []));
  if (citations.length === 0) return null;
  return (
    <section className="source-citations" aria-label="Sources">
      <span className="muted">Sources</span>
      {citations.map((citation) => (
        <details key={citation.index} className="source-citation" id={`source-${citation.chunkId}`}>
          <summary>
            [{citation.index}] {citation.documentName}
            {citation.page ? `, p. ${citation.page}` : ""}
          </summary>
          <blockquote>{citation.excerpt}</blockquote>
          <a href={`#/knowledge/${encodeURIComponent(citation.knowledgeBaseId)}`}>Open the knowledge base</a>
        </details>
      ))}
    </section>
  );
}
