import type { ModelSetup } from "../use-model-setup.ts";
import { FirstRunPanel } from "./first-run-panel.tsx";

/** The workspace's models; the first-run screen instead while there are none. */
export function ModelsPanel({ setup }: { setup: ModelSetup }) {
  const { models } = setup;
  if (models.status === "loading") return null;
  if (models.status === "failed") {
    return (
      <section className="panel" aria-labelledby="models-title">
        <h2 id="models-title">Models</h2>
        <p className="error" role="alert">
          Could not list models: {models.error}
        </p>
      </section>
    );
  }
  if (models.value.length === 0) return <FirstRunPanel setup={setup} />;
  return (
    <section className="panel" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <ul className="model-list">
        {models.value.map((model) => (
          <li key={model.id}>
            <code className="model-id">{model.id}</code> <span className="muted small">{model.owned_by}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
