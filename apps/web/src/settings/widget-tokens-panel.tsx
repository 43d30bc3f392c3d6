import { type FormEvent, useState } from "react";
import { useAgents } from "../agents/use-agents.ts";
import type { Role } from "../api-types.ts";
import { useLoadedList } from "../use-loaded-list.ts";
import { type SiteTokenInfo, settingsApi } from "./settings-api.ts";
import { ShownOnce } from "./shown-once.tsx";

/** Origins typed one per line or comma-separated; blank lines ignored. */
function originsOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
}

/** The `<script>` tag a site pastes to show the agent's chat bubble. */
export function embedSnippet(token: string, origin = window.location.origin): string {
  return `<script src="${origin}/widget.js" data-token="${token}" async></script>`;
}

/**
 * Site tokens of the embeddable chat widget: pick an agent, the sites that may use it, its rate
 * limits and colors; the token and its `<script>` tag are shown once. Admins and owners only.
 */
export function WidgetTokensPanel({ role }: { role: Role }) {
  const { agents } = useAgents();
  const { items: tokens, error, setError, change } = useLoadedList(settingsApi.siteTokens, role !== "member");
  const [created, setCreated] = useState<string | null>(null);
  const [agentId, setAgentId] = useState("");
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const [siteRate, setSiteRate] = useState(60);
  const [visitorRate, setVisitorRate] = useState(20);
  const [color, setColor] = useState("#2563eb");
  const [position, setPosition] = useState<"left" | "right">("right");

  if (role === "member") {
    return (
      <section className="panel">
        <h2>Chat widget</h2>
        <p className="muted">Only a workspace admin or owner manages the chat widget's site tokens.</p>
      </section>
    );
  }

  const chosenAgent = agentId || agents[0]?.id || "";
  const agentName = (id: string) => agents.find((agent) => agent.id === id)?.name ?? id;

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    await change(async () => {
      const answer = await settingsApi.createSiteToken({
        agentId: chosenAgent,
        ...(name.trim() ? { name: name.trim() } : {}),
        allowedOrigins: originsOf(origins),
        requestsPerMinute: siteRate,
        visitorRequestsPerMinute: visitorRate,
        theme: { primaryColor: color, position },
      });
      setCreated(answer.token);
      setName("");
    });
  }

  async function revoke(token: SiteTokenInfo) {
    if (
      !window.confirm(`Revoke ${token.name || token.tokenPrefix}? Every page using it stops working at once.`)
    )
      return;
    await change(() => settingsApi.revokeSiteToken(token.id));
  }

  return (
    <section className="panel" aria-labelledby="widget-title">
      <h2 id="widget-title">Chat widget</h2>
      <p className="muted">
        A site token lets one web site show a chat bubble bound to one agent. Paste its script tag into the
        site's pages; revoke the token to turn the bubble off everywhere.
      </p>
      {agents.length === 0 ? (
        <p className="muted">
          Create an agent first: <a href="#/agents/new">new agent</a>.
        </p>
      ) : (
        <form className="stacked-form" onSubmit={create}>
          <label>
            Agent
            <select value={chosenAgent} onChange={(event) => setAgentId(event.target.value)}>
              {agents.map((agent) => (
                <option key={agent.id} value={agent.id}>
                  {agent.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Name
            <input
              placeholder="e.g. docs site"
              value={name}
              maxLength={100}
              onChange={(event) => setName(event.target.value)}
            />
          </label>
          <label>
            Allowed sites (one origin per line; empty: any)
            <textarea
              rows={2}
              placeholder="https://learn.example.com"
              value={origins}
              onChange={(event) => setOrigins(event.target.value)}
            />
          </label>
          <div className="inline-form">
            <label>
              Requests per minute (site)
              <input
                type="number"
                min={1}
                max={100000}
                value={siteRate}
                onChange={(event) => setSiteRate(Number(event.target.value))}
              />
            </label>
            <label>
              Per visitor
              <input
                type="number"
                min={1}
                max={10000}
                value={visitorRate}
                onChange={(event) => setVisitorRate(Number(event.target.value))}
              />
            </label>
            <label>
              Color
              <input type="color" value={color} onChange={(event) => setColor(event.target.value)} />
            </label>
            <label>
              Position
              <select
                value={position}
                onChange={(event) => setPosition(event.target.value === "left" ? "left" : "right")}
              >
                <option value="right">right</option>
                <option value="left">left</option>
              </select>
            </label>
          </div>
          <button type="submit">Create site token</button>
        </form>
      )}
      {created && (
        <ShownOnce
          notice="Copy the script tag now: the token in it is not shown again."
          text={embedSnippet(created)}
          copyLabel="Copy the script tag"
          codeClassName="command embed-snippet"
        />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Agent</th>
            <th>Token</th>
            <th>Sites</th>
            <th>Per minute</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-token-id={token.id}>
              <td>{token.name || <span className="muted">unnamed</span>}</td>
              <td>{agentName(token.agentId)}</td>
              <td>
                <code>{token.tokenPrefix}…</code>
              </td>
              <td>
                {token.allowedOrigins.length ? (
                  token.allowedOrigins.join(", ")
                ) : (
                  <span className="muted">any</span>
                )}
              </td>
              <td>
                {token.requestsPerMinute} / {token.visitorRequestsPerMinute} per visitor
              </td>
              <td>
                <button type="button" className="secondary small-button" onClick={() => void revoke(token)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
