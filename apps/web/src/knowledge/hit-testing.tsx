import { type FormEvent, useState } from "react";
import { messageOf } from "../api-client.ts";
import { type HitTest, knowledgeApi, type SearchMode } from "./knowledge-api.ts";

const modes: Array<{ mode: SearchMode; title: string }> = [
  { mode: "hybrid", title: "Hybrid (RRF)" },
  { mode: "vector", title: "Vector" },
  { mode: "fulltext", title: "Full text (BM25)" },
];

/** A chunk's size as ingestion counted it: "128 tokens", or "~128 tokens" where only estimated. */
export function chunkTokensLabel(metadata: Record<string, unknown> | undefined): string | null {
  const tokens = metadata?.tokens;
  if (typeof tokens !== "number" || !Number.isFinite(tokens)) return null;
  return `${metadata?.tokensEstimated === true ? "~" : ""}${tokens} tokens`;
}

function ChunkTokens({ metadata }: { metadata: Record<string, unknown> | undefined }) {
  const label = chunkTokensLabel(metadata);
  if (!label) return null;
  const title =
    metadata?.tokensEstimated === true
      ? "Estimated: the embedding model's tokenizer was not reachable"
      : "Counted by the embedding model's tokenizer";
  return (
    <span className="kb-chunk-tokens" title={title}>
      {" "}
      · {label}
    </span>
  );
}

/** Hit testing, as in Dify and FastGPT: one query, each mode's hits side by side with their scores. */
export function HitTesting({ knowledgeBaseId }: { knowledgeBaseId: string }) {
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<HitTest | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(event: FormEvent) {
    event.preventDefault();
    try {
      setResult(await knowledgeApi.hitTest(knowledgeBaseId, query));
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <section className="kb-hit-testing" aria-label="Hit testing">
      <h3>Hit testing</h3>
      <form onSubmit={run}>
        <input
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="Ask something the documents answer"
          aria-label="Test query"
        />
        <button type="submit" disabled={!query.trim()}>
          Test
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="kb-modes">
          {modes.map(({ mode, title }) => (
            <div key={mode} className="kb-mode" data-mode={mode}>
              <h4>
                {title} <span className="muted">{result[mode].tookMs.toFixed(1)} ms</span>
              </h4>
              {result[mode].hits.length === 0 && <p className="muted">No hits.</p>}
              <ol>
                {result[mode].hits.map((hit) => (
                  <li key={hit.citation.chunkId}>
                    <div className="kb-score">
                      score {hit.score.toFixed(3)}
                      {mode === "hybrid" && hit.scores.vector && ` · vector #${hit.scores.vector.rank}`}
                      {mode === "hybrid" &&
                        hit.scores.fulltext &&
                        ` · full text #${hit.scores.fulltext.rank}`}
                    </div>
                    <div className="kb-citation">
                      {hit.citation.documentName}
                      {hit.citation.page ? `, page ${hit.citation.page}` : ""} · chunk{" "}
                      {hit.citation.position + 1}
                      <ChunkTokens metadata={hit.metadata} />
                    </div>
                    <p>{hit.content.length > 300 ? `${hit.content.slice(0, 300)}…` : hit.content}</p>
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
