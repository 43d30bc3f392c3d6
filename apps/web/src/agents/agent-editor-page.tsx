import { useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { AgentFields } from "../chat-types.ts";
import { PageBar } from "../shell/page-bar.tsx";
import { AgentForm, blankAgent, fieldsOf } from "./agent-form.tsx";
import type { AgentsState } from "./use-agents.ts";

/** Creates an agent (`agentId` null) or edits one. */
export function AgentEditorPage({
  agentId,
  models,
  agents,
  onSaved,
  onOpenSidebar,
}: {
  agentId: string | null;
  models: string[];
  agents: AgentsState;
  onSaved: () => void;
  onOpenSidebar: () => void;
}) {
  const [initial, setInitial] = useState<AgentFields | null>(
    agentId ? null : { ...blankAgent, model: models[0] ?? "" },
  );
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!agentId) return;
    let cancelled = false;
    chatApi.agent(agentId).then(
      (agent) => !cancelled && setInitial(fieldsOf(agent)),
      (failure: unknown) => !cancelled && setError(messageOf(failure)),
    );
    return () => {
      cancelled = true;
    };
  }, [agentId]);

  async function save(fields: AgentFields) {
    setPending(true);
    setError(null);
    try {
      if (agentId) await chatApi.updateAgent(agentId, fields);
      else await chatApi.createAgent(fields);
      await agents.reload();
      onSaved();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="page">
      <PageBar title={agentId ? "Edit agent" : "New agent"} onOpenSidebar={onOpenSidebar}>
        <a className="button-link secondary" href="#/agents">
          Back to agents
        </a>
      </PageBar>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {initial ? (
        <section className="panel">
          <AgentForm
            key={agentId ?? "new"}
            initial={initial}
            models={models}
            pending={pending}
            onSubmit={save}
          />
        </section>
      ) : (
        !error && <p className="muted">Loading the agent…</p>
      )}
    </div>
  );
}
