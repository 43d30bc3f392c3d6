import { useRef, useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { Agent, Conversation } from "../chat-types.ts";
import { downloadText, fileNameOf } from "../download.ts";
import { SidebarButton } from "../shell/sidebar-button.tsx";
import { ModelPicker } from "./model-picker.tsx";

/** Above the chat: the menu button (narrow screens), title, agent, model, and export. */
export function ChatHeader({
  conversation,
  agent,
  models,
  model,
  onModelChange,
  onOpenSidebar,
}: {
  conversation: Conversation | null;
  agent: Agent | null;
  models: string[];
  model: string;
  onModelChange: (model: string) => void;
  onOpenSidebar: () => void;
}) {
  const [exportError, setExportError] = useState<string | null>(null);
  const menu = useRef<HTMLDetailsElement>(null);

  async function exportAs(format: "markdown" | "json") {
    if (!conversation) return;
    if (menu.current) menu.current.open = false;
    setExportError(null);
    try {
      const text = await chatApi.exportConversation(conversation.id, format);
      const name = fileNameOf(conversation.title, "conversation");
      if (format === "markdown") downloadText(`${name}.md`, text, "text/markdown");
      else downloadText(`${name}.json`, text, "application/json");
    } catch (error) {
      setExportError(`Export failed: ${messageOf(error)}`);
    }
  }

  return (
    <header className="chat-header">
      <SidebarButton onOpenSidebar={onOpenSidebar} />
      <div className="chat-title">
        {agent && (
          <span className="agent-chip" title={agent.description}>
            <span aria-hidden="true">{agent.avatar}</span> {agent.name}
          </span>
        )}
        <h2>{conversation ? conversation.title || "New chat" : "New chat"}</h2>
      </div>
      <ModelPicker models={models} value={model} onChange={onModelChange} />
      {conversation && (
        <details className="menu export-menu" ref={menu}>
          <summary className="secondary-button">Export</summary>
          <div className="menu-items">
            <button type="button" className="secondary" onClick={() => void exportAs("markdown")}>
              Markdown
            </button>
            <button type="button" className="secondary" onClick={() => void exportAs("json")}>
              JSON
            </button>
          </div>
        </details>
      )}
      {exportError && (
        <p className="error small" role="alert">
          {exportError}
        </p>
      )}
    </header>
  );
}
