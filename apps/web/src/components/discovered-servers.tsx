import type { Discovery } from "../api-types.ts";
import type { Loaded } from "../use-model-setup.ts";

const lookedFor = "Ollama :11434, Jan :1337, LM Studio :1234, vLLM :8000, llama.cpp :8080";

/** What discovery found on the Nexus machine, with a button to look again. */
export function DiscoveredServers({
  discovery,
  scanning,
  onScanAgain,
}: {
  discovery: Loaded<Discovery>;
  scanning: boolean;
  onScanAgain: () => void;
}) {
  return (
    <section className="setup-step" aria-labelledby="discovery-title">
      <div className="panel-heading">
        <h3 id="discovery-title">Model servers on this machine</h3>
        <button type="button" className="secondary" onClick={onScanAgain} disabled={scanning}>
          {scanning ? "Scanning…" : "Scan again"}
        </button>
      </div>
      {discovery.status === "loading" && <p className="muted">Looking for local model servers…</p>}
      {discovery.status === "failed" && (
        <p className="error" role="alert">
          Discovery is not available: {discovery.error}
        </p>
      )}
      {discovery.status === "ready" && discovery.value.data.length === 0 && (
        <p className="muted discovery-empty">
          None running on the Nexus machine (looked for {lookedFor}). Start one and scan again.
        </p>
      )}
      {discovery.status === "ready" && discovery.value.data.length > 0 && (
        <ul className="server-list">
          {discovery.value.data.map((server) => (
            <li key={server.baseURL} data-server={server.id}>
              <div className="workspace-title">
                <span className="server-name">
                  {server.name}
                  {server.version ? ` ${server.version}` : ""}
                </span>
                <code>{server.baseURL}</code>
              </div>
              <p className="server-models">
                {server.models.length > 0 ? server.models.join(", ") : "no models yet"}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
