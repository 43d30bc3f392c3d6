import { useState } from "react";
import type { Catalog, CatalogModel } from "../api-types.ts";
import type { Loaded } from "../use-model-setup.ts";
import { CopyButton } from "./copy-button.tsx";

function formatSize(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** Small models to download with `nexus models pull`, the suggested ones first. */
export function CatalogSuggestions({ catalog }: { catalog: Loaded<Catalog> }) {
  const [showAll, setShowAll] = useState(false);
  if (catalog.status === "loading") return <p className="muted">Loading the model catalog…</p>;
  if (catalog.status === "failed") {
    return (
      <p className="error" role="alert">
        The model catalog is not available: {catalog.error}
      </p>
    );
  }
  const { data, suggested } = catalog.value;
  const byName = new Map(data.map((model) => [model.name, model]));
  const first = suggested.map((name) => byName.get(name)).filter((model) => model !== undefined);
  const shown = showAll ? [...first, ...data.filter((model) => !suggested.includes(model.name))] : first;
  return (
    <section className="setup-step" aria-labelledby="catalog-title">
      <h3 id="catalog-title">Download a small model</h3>
      <p className="muted">Run one of these where Nexus runs; the model is served as soon as it lands.</p>
      <ul className="catalog-list">
        {shown.map((model) => (
          <CatalogEntry key={model.name} model={model} />
        ))}
      </ul>
      {data.length > first.length && (
        <button type="button" className="secondary" onClick={() => setShowAll(!showAll)}>
          {showAll ? "Show fewer" : `Show all ${data.length}`}
        </button>
      )}
    </section>
  );
}

function CatalogEntry({ model }: { model: CatalogModel }) {
  return (
    <li data-model={model.name}>
      <div className="workspace-title">
        <span className="server-name">{model.title}</span>
        <span className="muted small">
          {model.purpose} · {formatSize(model.sizeBytes)} · {model.license}
        </span>
      </div>
      <p className="muted">{model.description}</p>
      <div className="command-row">
        <code className="command">{model.pullCommand}</code>
        <CopyButton text={model.pullCommand} label={`Copy: ${model.pullCommand}`} />
      </div>
    </li>
  );
}
