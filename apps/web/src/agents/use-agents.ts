import { useCallback, useEffect, useState } from "react";
import { messageOf } from "../api-client.ts";
import { chatApi } from "../chat-api.ts";
import type { Agent } from "../chat-types.ts";

/** The workspace's agents. */
export function useAgents() {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  const reload = useCallback(async () => {
    try {
      setAgents((await chatApi.agents()).data);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { agents, error, loaded, reload };
}

export type AgentsState = ReturnType<typeof useAgents>;
