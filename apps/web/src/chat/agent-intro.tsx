import type { Agent } from "../chat-types.ts";
import { MarkdownView } from "../markdown/markdown-view.tsx";

/**
 * The top of a chat: an agent's opening message and suggested questions, or, in a new chat
 * without an agent, the agents to start with instead.
 */
export function AgentIntro({
  agent,
  agents,
  compact,
  onAsk,
}: {
  agent: Agent | null;
  agents: Agent[];
  /** The conversation has begun: only the opening message stays. */
  compact: boolean;
  onAsk: (question: string) => void;
}) {
  if (!agent) {
    if (compact) return null;
    return (
      <div className="agent-intro">
        <h3>Start a chat</h3>
        <p className="muted">Write below, or start with one of the workspace's agents.</p>
        {agents.length > 0 && (
          <ul className="agent-quick-list">
            {agents.slice(0, 8).map((candidate) => (
              <li key={candidate.id}>
                <a href={`#/new/${encodeURIComponent(candidate.id)}`} className="agent-chip">
                  <span aria-hidden="true">{candidate.avatar}</span> {candidate.name}
                </a>
              </li>
            ))}
          </ul>
        )}
        <a href="#/agents">Browse and create agents</a>
      </div>
    );
  }
  return (
    <div className="agent-intro">
      {!compact && (
        <div className="agent-intro-heading">
          <span className="agent-avatar-large" aria-hidden="true">
            {agent.avatar}
          </span>
          <div>
            <h3>{agent.name}</h3>
            <p className="muted">{agent.description}</p>
          </div>
        </div>
      )}
      {agent.openingMessage && (
        <div className="message message-assistant opening-message">
          <div className="message-avatar" aria-hidden="true">
            {agent.avatar}
          </div>
          <div className="message-body">
            <MarkdownView text={agent.openingMessage} />
          </div>
        </div>
      )}
      {!compact && agent.suggestedQuestions.length > 0 && (
        <ul className="suggested-questions">
          {agent.suggestedQuestions.map((question) => (
            <li key={question}>
              <button type="button" className="secondary" onClick={() => onAsk(question)}>
                {question}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
