import { type FormEvent, useState } from "react";
import { apiClient, messageOf } from "../api-client.ts";
import type { NewProvider } from "../api-types.ts";

/** Adds a model server by URL (vLLM, Ollama elsewhere, OpenAI, Anthropic) to the workspace. */
export function ProviderForm({ onAdded }: { onAdded: () => void }) {
  const [id, setId] = useState("");
  const [kind, setKind] = useState<NewProvider["kind"]>("openai-compatible");
  const [baseURL, setBaseURL] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [pending, setPending] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setOutcome(null);
    try {
      const provider: NewProvider = { id: id.trim(), kind, baseURL: baseURL.trim() };
      if (apiKey !== "") provider.apiKey = apiKey;
      await apiClient.addProvider(provider);
      setOutcome({ ok: true, message: `Added provider '${provider.id}'.` });
      setApiKey("");
      onAdded();
    } catch (error) {
      // The server's own message: it says which field is wrong, or that adding providers is unavailable.
      setOutcome({ ok: false, message: messageOf(error) });
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="setup-step" aria-labelledby="provider-title">
      <h3 id="provider-title">Or connect a model server</h3>
      <p className="muted">
        Any OpenAI-compatible server (vLLM, Ollama or LM Studio on another machine, OpenAI) or Anthropic.
      </p>
      <form className="provider-form" onSubmit={submit}>
        <label>
          Name
          <input
            name="id"
            value={id}
            placeholder="vllm"
            autoComplete="off"
            onChange={(event) => setId(event.target.value)}
          />
        </label>
        <label>
          Kind
          <select
            name="kind"
            value={kind}
            onChange={(event) => setKind(event.target.value as NewProvider["kind"])}
          >
            <option value="openai-compatible">OpenAI-compatible</option>
            <option value="anthropic">Anthropic</option>
          </select>
        </label>
        <label>
          Base URL
          <input
            name="baseURL"
            value={baseURL}
            placeholder="http://gpu-host:8000/v1"
            autoComplete="off"
            onChange={(event) => setBaseURL(event.target.value)}
          />
        </label>
        <label>
          <span>
            API key <span className="muted">(optional)</span>
          </span>
          <input
            name="apiKey"
            type="password"
            value={apiKey}
            autoComplete="off"
            onChange={(event) => setApiKey(event.target.value)}
          />
        </label>
        <div>
          <button type="submit" disabled={pending || id.trim() === "" || baseURL.trim() === ""}>
            {pending ? "Adding…" : "Add provider"}
          </button>
        </div>
        {outcome && (
          <p className={outcome.ok ? "success" : "error"} role={outcome.ok ? "status" : "alert"}>
            {outcome.message}
          </p>
        )}
      </form>
    </section>
  );
}
