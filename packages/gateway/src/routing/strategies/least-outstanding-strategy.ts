import type { Deployment } from "../gateway-config.ts";
import { defineStrategy, type StrategyInput, shuffled } from "./routing-strategy.ts";

/** Fewest requests in flight first; ties in random order so equal replicas share the load. */
export function byLeastOutstanding(candidates: readonly Deployment[], input: StrategyInput): Deployment[] {
  const inFlight = new Map(candidates.map((deployment) => [deployment, input.load(deployment).inFlight]));
  // Array.prototype.sort is stable: shuffling first breaks ties at random.
  return shuffled(candidates, input.random).sort((a, b) => (inFlight.get(a) ?? 0) - (inFlight.get(b) ?? 0));
}

export const leastOutstandingStrategy = defineStrategy({
  name: "least-outstanding",
  order: byLeastOutstanding,
});
