import type { Deployment } from "../gateway-config.ts";
import { defineStrategy, type StrategyInput, shuffled } from "./routing-strategy.ts";

/** Share of requests sent to a random other deployment, so a recovered or idle one is measured again. */
export const explorationRate = 0.1;

/**
 * Fastest first by moving average: time to first token for streams, whole-call latency otherwise
 * (each falls back to the other when only that is known). Unmeasured deployments go first, so
 * each gets measured; and now and then a random other deployment is put first, so one that was
 * slow (or failing) and has recovered gets a fresh measurement.
 */
export const lowestLatencyStrategy = defineStrategy({
  name: "lowest-latency",
  order(candidates, input) {
    const scores = new Map(candidates.map((deployment) => [deployment, score(deployment, input)]));
    const ordered = shuffled(candidates, input.random).sort(
      (a, b) => (scores.get(a) ?? -1) - (scores.get(b) ?? -1),
    );
    if (ordered.length > 1 && input.random() < explorationRate) {
      const pick = 1 + Math.floor(input.random() * (ordered.length - 1));
      const [explored] = ordered.splice(pick, 1);
      if (explored) ordered.unshift(explored);
    }
    return ordered;
  },
});

/** Milliseconds, or -1 when unmeasured (sorts first). */
function score(deployment: Deployment, input: StrategyInput): number {
  const { latencyMs, ttftMs } = input.load(deployment);
  const streaming = input.request.kind === "chat" && input.request.stream;
  return (streaming ? (ttftMs ?? latencyMs) : (latencyMs ?? ttftMs)) ?? -1;
}
