import type { ModelProvider } from "../providers/model-provider.ts";
import type { DeploymentHealthTracker } from "./deployment-health.ts";

/**
 * Every `intervalMs`, asks each open deployment's provider for its model list (under a short
 * timeout); one that answers is half-opened, so a recovered upstream gets its trial request
 * without waiting out the whole cooldown. At most one check per deployment runs at a time.
 */
export function startActiveHealthChecks(options: {
  intervalMs: number;
  timeoutMs: number;
  health: DeploymentHealthTracker;
  provider(id: string): ModelProvider | undefined;
}): { stop(): void } {
  const { health } = options;
  const running = new Set<string>();
  const stopping = new AbortController();

  const check = () => {
    for (const upstream of health.needingCheck()) {
      const key = `${upstream.provider}\u0000${upstream.model}`;
      const provider = options.provider(upstream.provider);
      if (!provider || running.has(key)) continue;
      running.add(key);
      const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs)]);
      provider
        .listModels(signal)
        .then(
          () => {
            if (!stopping.signal.aborted) health.markReachable(upstream);
          },
          // Still down: the circuit stays open and the next round asks again.
          () => {},
        )
        .finally(() => running.delete(key));
    }
  };
  const timer = setInterval(check, Math.max(10, options.intervalMs));
  // Health checks alone must not keep a process alive.
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      stopping.abort();
    },
  };
}
