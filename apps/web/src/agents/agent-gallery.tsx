import { useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { Agent } from "../chat-types.ts";
import { FileImportButton } from "../components/file-import-button.tsx";
import { downloadText, fileNameOf, readJsonFile } from "../download.ts";
import { PageBar } from "../shell/page-bar.tsx";
import type { AgentsState } from "./use-agents.ts";

/** The workspace's agents: start a chat with one, edit, export, delete; create or import one. */
export function AgentGallery({ agents, onOpenSidebar }: { agents: AgentsState; onOpenSidebar: () => void }) {
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);

  async function importFile(file: File) {
    try {
      const agent = await chatApi.importAgent(await readJsonFile(file));
      await agents.reload();
      setNotice({ ok: true, text: `Imported ${agent.name}.` });
    } catch (error) {
      setNotice({ ok: false, text: `Import failed: ${messageOf(error)}` });
    }
  }

  async function exportAgent(agent: Agent) {
    try {
      const exported = await chatApi.exportAgent(agent.id);
      downloadText(
        `${fileNameOf(agent.name, "agent")}.agent.json`,
        JSON.stringify(exported, null, 2),
        "application/json",
      );
    } catch (error) {
      setNotice({ ok: false, text: `Export failed: ${messageOf(error)}` });
    }
  }

  async function deleteAgent(agent: Agent) {
    if (!window.confirm(`Delete the agent ${agent.name}? Its conversations stay.`)) return;
    try {
      await chatApi.deleteAgent(agent.id);
      await agents.reload();
    } catch (error) {
      setNotice({ ok: false, text: `Delete failed: ${messageOf(error)}` });
    }
  }

  return (
    <div className="page">
      <PageBar title="Agents" onOpenSidebar={onOpenSidebar}>
        <FileImportButton
          label="Import agent"
          inputLabel="Agent file"
          accept=".json,application/json"
          className="secondary"
          onFile={importFile}
        />
        <a className="button-link" href="#/agents/new">
          New agent
        </a>
      </PageBar>
      {notice && (
        <p className={notice.ok ? "success" : "error"} role={notice.ok ? "status" : "alert"}>
          {notice.text}
        </p>
      )}
      {agents.error && (
        <p className="error" role="alert">
          Could not load agents: {agents.error}
        </p>
      )}
      {agents.loaded && !agents.error && agents.agents.length === 0 && (
        <p className="muted">
          No agents yet. An agent is a persona with its own instructions, model and tools.
        </p>
      )}
      <ul className="agent-grid">
        {agents.agents.map((agent) => (
          <li key={agent.id} className="agent-card" data-agent-id={agent.id}>
            <div className="agent-card-heading">
              <span className="agent-avatar-large" aria-hidden="true">
                {agent.avatar}
              </span>
              <div>
                <h3 className="agent-name">{agent.name}</h3>
                <code className="muted small">{agent.model}</code>
              </div>
            </div>
            <p className="agent-description">{agent.description}</p>
            <div className="agent-card-actions">
              <a className="button-link" href={`#/new/${encodeURIComponent(agent.id)}`}>
                Chat
              </a>
              <a className="button-link secondary" href={`#/agents/${encodeURIComponent(agent.id)}`}>
                Edit
              </a>
              <button type="button" className="secondary" onClick={() => void exportAgent(agent)}>
                Export
              </button>
              <button type="button" className="secondary" onClick={() => void deleteAgent(agent)}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
