import { useEffect, useState } from "react";
import { apiClient, messageOf } from "./api-client.ts";
import type { Health, Readiness } from "./api-types.ts";

const refreshIntervalMs = 10_000;

export interface HealthState {
  /** Null until the first answer, or when the server did not answer. */
  health: Health | null;
  readiness: Readiness | null;
  /** Why the last refresh could not reach the server, if it could not. */
  error: string | null;
  checkedAt: Date | null;
}

/** Polls `/healthz` and `/readyz` now and every 10 seconds while mounted. */
export function useHealth(): HealthState {
  const [state, setState] = useState<HealthState>({
    health: null,
    readiness: null,
    error: null,
    checkedAt: null,
  });

  useEffect(() => {
    let unmounted = false;
    async function refresh() {
      const [health, readiness] = await Promise.allSettled([apiClient.health(), apiClient.readiness()]);
      if (unmounted) return;
      const failure = [health, readiness].find((result) => result.status === "rejected");
      setState({
        health: health.status === "fulfilled" ? health.value : null,
        readiness: readiness.status === "fulfilled" ? readiness.value : null,
        error: failure ? `Server not reachable: ${messageOf(failure.reason)}` : null,
        checkedAt: new Date(),
      });
    }
    void refresh();
    const timer = setInterval(() => void refresh(), refreshIntervalMs);
    return () => {
      unmounted = true;
      clearInterval(timer);
    };
  }, []);

  return state;
}
