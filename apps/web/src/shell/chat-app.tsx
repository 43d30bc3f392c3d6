import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { AgentEditorPage } from "../agents/agent-editor-page.tsx";
import { AgentGallery } from "../agents/agent-gallery.tsx";
import { useAgents } from "../agents/use-agents.ts";
import type { Me, Workspace } from "../api-types.ts";
import { BrowserPage } from "../browser/browser-page.tsx";
import { ChatPane } from "../chat/chat-pane.tsx";
import type { Conversation } from "../chat-types.ts";
import { FirstRunPanel } from "../components/first-run-panel.tsx";
import { KnowledgePage } from "../knowledge/knowledge-page.tsx";
import { preloadMarkdown } from "../markdown/markdown-view.tsx";
import { SettingsPage } from "../settings/settings-page.tsx";
import { ConversationSidebar } from "../sidebar/conversation-sidebar.tsx";
import { useConversationList } from "../sidebar/use-conversation-list.ts";
import { useModelSetup } from "../use-model-setup.ts";
import { WorkflowsPage } from "../workflows/workflows-page.tsx";
import { useRoute } from "./use-route.ts";
import { useShortcuts } from "./use-shortcuts.ts";
import { useTheme } from "./use-theme.ts";

export interface SessionActions {
  signIn(key: string): Promise<void>;
  signOut(): void;
  error: string | null;
}

/** The signed-in app: the sidebar, and the chat, agents or settings beside it. */
export function ChatApp({
  me,
  workspaces,
  session,
}: {
  me: Me;
  workspaces: Workspace[];
  session: SessionActions;
}) {
  const [route, navigate] = useRoute();
  const list = useConversationList();
  const agents = useAgents();
  const setup = useModelSetup();
  const [theme, setTheme] = useTheme();
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const searchInput = useRef<HTMLInputElement>(null);

  useEffect(preloadMarkdown, []);

  // A link to a new chat with an agent made since the list was loaded (another tab, the API):
  // ask once more, so the chat starts with that agent's model.
  const askedForAgent = useRef<string | null>(null);
  const wantedAgent = route.page === "new-chat" ? route.agentId : null;
  const { loaded: agentsLoaded, agents: agentList, reload: reloadAgents } = agents;
  useEffect(() => {
    if (!wantedAgent || !agentsLoaded || askedForAgent.current === wantedAgent) return;
    if (agentList.some((agent) => agent.id === wantedAgent)) return;
    askedForAgent.current = wantedAgent;
    void reloadAgents();
  }, [wantedAgent, agentsLoaded, agentList, reloadAgents]);

  const newChat = useCallback(() => {
    navigate({ page: "new-chat", agentId: null });
    setSidebarOpen(false);
  }, [navigate]);
  const openConversation = useCallback(
    (conversationId: string) => {
      navigate({ page: "conversation", conversationId });
      setSidebarOpen(false);
    },
    [navigate],
  );
  useShortcuts({
    newChat,
    focusSearch: () => {
      setSidebarOpen(true);
      searchInput.current?.focus();
      searchInput.current?.select();
    },
  });

  const { upsert } = list;
  const onConversationChanged = useCallback(
    (conversation: Conversation, options: { created?: boolean } = {}) => {
      upsert(conversation);
      // The hook already holds the new conversation; the URL catches up without a reload.
      if (options.created)
        navigate({ page: "conversation", conversationId: conversation.id }, { replace: true });
    },
    [upsert, navigate],
  );

  const models = setup.models.status === "ready" ? setup.models.value.map((model) => model.id) : [];
  const noModels = setup.models.status === "ready" && models.length === 0;
  const openSidebar = () => setSidebarOpen(true);

  let content: ReactNode;
  if (route.page === "agents") {
    content = <AgentGallery agents={agents} onOpenSidebar={openSidebar} />;
  } else if (route.page === "agent-editor") {
    content = (
      <AgentEditorPage
        agentId={route.agentId}
        models={models}
        agents={agents}
        onOpenSidebar={openSidebar}
        onSaved={() => navigate({ page: "agents" })}
      />
    );
  } else if (route.page === "settings") {
    content = (
      <SettingsPage
        section={route.section}
        me={me}
        workspaces={workspaces}
        session={session}
        setup={setup}
        theme={theme}
        onThemeChange={setTheme}
        onOpenSidebar={openSidebar}
      />
    );
  } else if (route.page === "workflows") {
    content = (
      <WorkflowsPage
        workflowId={route.workflowId}
        onOpen={(workflowId) => navigate({ page: "workflows", workflowId })}
        onOpenSidebar={openSidebar}
      />
    );
  } else if (route.page === "knowledge") {
    content = (
      <KnowledgePage
        knowledgeBaseId={route.knowledgeBaseId}
        onOpen={(knowledgeBaseId) => navigate({ page: "knowledge", knowledgeBaseId })}
        onOpenSidebar={openSidebar}
      />
    );
  } else if (route.page === "browser") {
    content = (
      <BrowserPage
        taskId={route.taskId}
        onOpen={(taskId) => navigate({ page: "browser", taskId })}
        onOpenSidebar={openSidebar}
      />
    );
  } else if (noModels && route.page === "new-chat") {
    content = (
      <div className="page">
        <FirstRunPanel setup={setup} />
      </div>
    );
  } else {
    content = (
      <ChatPane
        conversationId={route.page === "conversation" ? route.conversationId : null}
        agentId={route.page === "new-chat" ? route.agentId : null}
        models={models}
        agents={agents.agents}
        onConversationChanged={onConversationChanged}
        onOpenSidebar={openSidebar}
      />
    );
  }

  return (
    <div className={sidebarOpen ? "app-shell sidebar-open" : "app-shell"}>
      <ConversationSidebar
        me={me}
        list={list}
        activeId={route.page === "conversation" ? route.conversationId : null}
        searchInput={searchInput}
        onOpen={openConversation}
        onNewChat={newChat}
        onDeletedActive={newChat}
        onClose={() => setSidebarOpen(false)}
      />
      <button
        type="button"
        className="drawer-backdrop"
        aria-label="Close the sidebar"
        tabIndex={-1}
        onClick={() => setSidebarOpen(false)}
      />
      <main className="app-main">{content}</main>
    </div>
  );
}
