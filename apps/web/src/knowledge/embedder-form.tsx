import { type FormEvent, useEffect, useState } from "react";

/** Changes the knowledge base's embedding model; every document is embedded again. */
export function EmbedderForm({ current, onChange }: { current: string; onChange: (model: string) => void }) {
  const [model, setModel] = useState(current);
  useEffect(() => setModel(current), [current]);
  const changed = model.trim() !== "" && model.trim() !== current;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (changed) onChange(model.trim());
  }
  return (
    <form className="kb-embedder-form" onSubmit={submit} aria-label="Embedding model">
      <input
        value={model}
        onChange={(event) => setModel(event.target.value)}
        aria-label="Embedding model"
        title="builtin, or a gateway alias that embeds"
      />
      <button type="submit" className="secondary" disabled={!changed}>
        Change and re-embed
      </button>
    </form>
  );
}
