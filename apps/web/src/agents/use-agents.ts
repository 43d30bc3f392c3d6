import { chatApi } from "../chat-api.ts";
import { useLoadedList } from "../use-loaded-list.ts";

/** The workspace's agents. */
export function useAgents() {
  const { items: agents, error, loaded, reload } = useLoadedList(chatApi.agents);
  return { agents, error, loaded, reload };
}

export type AgentsState = ReturnType<typeof useAgents>;
