import { ProviderForm } from "../components/provider-form.tsx";
import { useLoadedList } from "../use-loaded-list.ts";
import { type ProviderRow, settingsApi } from "./settings-api.ts";

/** Model providers: the instance's (config, local files, discovered servers) and the workspace's own. */
export function ProvidersPanel({ onChanged }: { onChanged: () => void }) {
  const { items: providers, error, reload, change } = useLoadedList(settingsApi.providers);

  async function remove(provider: ProviderRow) {
    if (!window.confirm(`Remove the provider ${provider.id}?`)) return;
    if (await change(() => settingsApi.deleteProvider(provider.id))) onChanged();
  }

  return (
    <section className="panel" aria-labelledby="providers-title">
      <h2 id="providers-title">Providers</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Where</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {providers.map((provider) => (
            <tr key={`${provider.scope}:${provider.id}`} data-provider={provider.id}>
              <td>
                <code>{provider.id}</code>
              </td>
              <td>{provider.kind}</td>
              <td className="muted">
                {provider.scope === "instance" ? "this Nexus" : (provider.baseURL ?? "workspace")}
              </td>
              <td>
                {provider.scope === "workspace" && (
                  <button
                    type="button"
                    className="secondary small-button"
                    onClick={() => void remove(provider)}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ProviderForm
        onAdded={() => {
          void reload();
          onChanged();
        }}
      />
    </section>
  );
}
