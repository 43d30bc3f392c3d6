import { type FormEvent, useState } from "react";
import { messageOf } from "../api-client.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { useLoadedList } from "../use-loaded-list.ts";
import { knowledgeApi } from "./knowledge-api.ts";

/** The workspace's knowledge bases with their documents by status; create one. */
export function KnowledgeList({
  onOpen,
  onOpenSidebar,
}: {
  onOpen: (id: string) => void;
  onOpenSidebar: () => void;
}) {
  const { items: bases, loaded, error, setError } = useLoadedList(knowledgeApi.list);
  const [name, setName] = useState("");
  const [embeddingModel, setEmbeddingModel] = useState("builtin");

  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      const base = await knowledgeApi.create(name.trim(), embeddingModel.trim() || "builtin");
      setName("");
      onOpen(base.id);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <div className="page kb-page">
      <PageBar title="Knowledge bases" onOpenSidebar={onOpenSidebar} />
      <form className="kb-create" onSubmit={create} aria-label="New knowledge base">
        <input
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="Name"
          aria-label="Name"
          required
          maxLength={100}
        />
        <input
          value={embeddingModel}
          onChange={(event) => setEmbeddingModel(event.target.value)}
          aria-label="Embedding model"
          title="builtin (no model needed) or a gateway embedding alias"
        />
        <button type="submit" disabled={!name.trim()}>
          Create
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {loaded && !error && bases.length === 0 && <p className="muted">No knowledge bases yet.</p>}
      <ul className="kb-list">
        {bases.map((base) => (
          <li key={base.id} className="kb-card">
            <a
              href={`#/knowledge/${encodeURIComponent(base.id)}`}
              onClick={(event) => {
                event.preventDefault();
                onOpen(base.id);
              }}
            >
              {base.name}
            </a>
            <span className="muted">
              embedder {base.embeddingModel} ·{" "}
              {Object.entries(base.documents ?? {})
                .map(([status, count]) => `${count} ${status.replace("_", " ")}`)
                .join(", ") || "no documents"}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
