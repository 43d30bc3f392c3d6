import { useCallback, useEffect, useState } from "react";

export type SettingsSection =
  | "workspace"
  | "models"
  | "keys"
  | "widget"
  | "appearance"
  | "shortcuts"
  | "health";
export const settingsSections: SettingsSection[] = [
  "workspace",
  "models",
  "keys",
  "widget",
  "appearance",
  "shortcuts",
  "health",
];

/** Where the page is; kept in the URL hash so a reload (or a shared link) opens the same place. */
export type Route =
  | { page: "new-chat"; agentId: string | null }
  | { page: "conversation"; conversationId: string }
  | { page: "agents" }
  | { page: "agent-editor"; agentId: string | null }
  | { page: "settings"; section: SettingsSection }
  /** Workflows (issue 6): the list, or one workflow's editor and runs. */
  | { page: "workflows"; workflowId: string | null }
  /** Knowledge bases (issue 7): the list, or one knowledge base. */
  | { page: "knowledge"; knowledgeBaseId: string | null }
  /** Browser automation (issue 8): sessions and recorded tasks. */
  | { page: "browser"; taskId: string | null };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
  const [first, second] = parts;
  if (first === "c" && second) return { page: "conversation", conversationId: second };
  if (first === "new") return { page: "new-chat", agentId: second ?? null };
  if (first === "agents" && second === "new") return { page: "agent-editor", agentId: null };
  if (first === "agents" && second) return { page: "agent-editor", agentId: second };
  if (first === "agents") return { page: "agents" };
  if (first === "workflows") return { page: "workflows", workflowId: second ?? null };
  if (first === "knowledge") return { page: "knowledge", knowledgeBaseId: second ?? null };
  if (first === "browser") return { page: "browser", taskId: second ?? null };
  if (first === "settings") {
    const section = settingsSections.find((candidate) => candidate === second) ?? "workspace";
    return { page: "settings", section };
  }
  return { page: "new-chat", agentId: null };
}

export function routeHash(route: Route): string {
  switch (route.page) {
    case "new-chat":
      return route.agentId ? `#/new/${encodeURIComponent(route.agentId)}` : "#/";
    case "conversation":
      return `#/c/${encodeURIComponent(route.conversationId)}`;
    case "agents":
      return "#/agents";
    case "agent-editor":
      return route.agentId ? `#/agents/${encodeURIComponent(route.agentId)}` : "#/agents/new";
    case "settings":
      return `#/settings/${route.section}`;
    case "workflows":
      return route.workflowId ? `#/workflows/${encodeURIComponent(route.workflowId)}` : "#/workflows";
    case "knowledge":
      return route.knowledgeBaseId
        ? `#/knowledge/${encodeURIComponent(route.knowledgeBaseId)}`
        : "#/knowledge";
    case "browser":
      return route.taskId ? `#/browser/${encodeURIComponent(route.taskId)}` : "#/browser";
  }
}

/** The current route and a way to go elsewhere (`replace` keeps the back button's history clean). */
export function useRoute(): [Route, (route: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));

  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);

  const navigate = useCallback((next: Route, options: { replace?: boolean } = {}) => {
    const hash = routeHash(next);
    if (options.replace) window.history.replaceState(null, "", hash);
    else if (window.location.hash !== hash) window.history.pushState(null, "", hash);
    setRoute(next);
  }, []);

  return [route, navigate];
}
