import type { ModelSetup } from "../use-model-setup.ts";
import { CatalogSuggestions } from "./catalog-suggestions.tsx";
import { DiscoveredServers } from "./discovered-servers.tsx";
import { ProviderForm } from "./provider-form.tsx";

/** Shown while the gateway has no model: what was found, what to download, what to connect. */
export function FirstRunPanel({ setup }: { setup: ModelSetup }) {
  return (
    <section className="panel first-run" aria-labelledby="first-run-title">
      <div className="panel-heading">
        <h2 id="first-run-title">Add a model</h2>
        <button type="button" className="secondary" onClick={() => void setup.refreshModels()}>
          Check again
        </button>
      </div>
      <p className="muted">Nexus has no model to answer with yet. Any one of these gets it going.</p>
      <DiscoveredServers
        discovery={setup.discovery}
        scanning={setup.scanning}
        onScanAgain={() => void setup.scanAgain()}
      />
      <CatalogSuggestions catalog={setup.catalog} />
      <ProviderForm onAdded={() => void setup.refreshModels()} />
    </section>
  );
}
