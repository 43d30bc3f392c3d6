import { useEffect, useMemo, useState } from "react";
import type { Agent, Conversation } from "../chat-types.ts";
import { AgentIntro } from "./agent-intro.tsx";
import { ChatHeader } from "./chat-header.tsx";
import { Composer } from "./composer.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { LiveTextContext } from "./live-text.ts";
import type { MessageActions } from "./message-item.tsx";
import { MessageList } from "./message-list.tsx";
import { useConversation } from "./use-conversation.ts";

const lastModelKey = "nexus.lastModel";

interface ChatPaneProps {
  conversationId: string | null;
  /** For a new chat: the agent it starts with. */
  agentId: string | null;
  models: string[];
  agents: Agent[];
  onConversationChanged(conversation: Conversation, options?: { created?: boolean }): void;
  onOpenSidebar(): void;
}

/** The chat: the active branch of a conversation (or a new one), and the box to write in. */
export function ChatPane(props: ChatPaneProps) {
  const { conversationId, agentId, models, agents } = props;
  const newChatAgent = agents.find((agent) => agent.id === agentId) ?? null;
  const [newChatModel, setNewChatModel] = useState<string>("");

  // A new chat starts with the agent's model, else the model used last, else the first one.
  const agentModel = newChatAgent?.model;
  useEffect(() => {
    if (conversationId !== null) return;
    const remembered = localStorage.getItem(lastModelKey);
    const preferred = agentModel ?? (remembered && models.includes(remembered) ? remembered : models[0]);
    setNewChatModel(preferred ?? "");
  }, [conversationId, agentModel, models]);

  const chat = useConversation({
    conversationId,
    agentId,
    model: newChatModel || null,
    onConversationChanged: props.onConversationChanged,
  });
  const agent = agents.find((candidate) => candidate.id === (chat.conversation?.agentId ?? agentId)) ?? null;
  const model = chat.conversation?.model ?? newChatModel;

  const { regenerate, edit, switchBranch, rate, stop, generating } = chat;
  const actions = useMemo<MessageActions>(
    () => ({
      regenerate: (id) => void regenerate(id),
      edit,
      switchBranch: (id) => void switchBranch(id),
      rate: (id, rating) => void rate(id, rating),
    }),
    [regenerate, edit, switchBranch, rate],
  );

  // Esc stops the reply being written, wherever the focus is.
  useEffect(() => {
    if (!generating) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) void stop();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [generating, stop]);

  function chooseModel(next: string) {
    localStorage.setItem(lastModelKey, next);
    if (chat.conversation) void chat.setModel(next);
    else setNewChatModel(next);
  }

  const send = (content: string, parts: Parameters<typeof chat.send>[1]) => chat.send(content, parts);
  const disabledReason = model === "" ? "Choose a model first" : null;
  const showIntro = chat.messages.length === 0 || Boolean(agent?.openingMessage);

  return (
    <section className="chat-pane" aria-label="Chat">
      <ChatHeader
        conversation={chat.conversation}
        agent={agent}
        models={models}
        model={model}
        onModelChange={chooseModel}
        onOpenSidebar={props.onOpenSidebar}
      />
      {chat.status === "loading" && <p className="muted chat-status">Loading the conversation…</p>}
      {chat.status === "failed" && chat.error && (
        <div className="chat-status">
          <ErrorNotice error={chat.error} />
          <a href="#/">Start a new chat</a>
        </div>
      )}
      {(chat.status === "ready" || chat.status === "new") && (
        <LiveTextContext.Provider value={chat.liveText}>
          <MessageList
            messages={chat.messages}
            actions={actions}
            streamErrors={chat.streamErrors}
            assistantName={agent?.name ?? "Assistant"}
            assistantAvatar={agent?.avatar ?? ""}
            scrollKey={`${chat.conversation?.id ?? "new"}:${chat.messages.filter((m) => m.role === "user").length}`}
            header={
              showIntro ? (
                <AgentIntro
                  agent={agent}
                  agents={agents}
                  compact={chat.messages.length > 0}
                  onAsk={(question) => void send(question, [])}
                />
              ) : undefined
            }
          />
        </LiveTextContext.Provider>
      )}
      {chat.status !== "failed" && chat.error && (
        <div className="chat-error">
          <ErrorNotice error={chat.error} onDismiss={chat.dismissError} />
        </div>
      )}
      {chat.status !== "failed" && chat.status !== "loading" && (
        <Composer
          onSend={send}
          onStop={() => void stop()}
          generating={generating}
          disabledReason={disabledReason}
          placeholder={
            agent ? `Message ${agent.name}… (Enter to send, Shift+Enter for a new line)` : undefined
          }
        />
      )}
    </section>
  );
}
