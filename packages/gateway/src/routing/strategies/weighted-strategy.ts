import { defineStrategy } from "./routing-strategy.ts";

/**
 * Random by weight: a deployment with weight 3 comes first three times as often as one with
 * weight 1. The fallbacks after the first choice are drawn the same way from the rest
 * (Efraimidis–Spirakis: sort by `u^(1/weight)`, u uniform), so one pass orders the whole list.
 */
export const weightedStrategy = defineStrategy({
  name: "weighted",
  order(candidates, { random }) {
    return candidates
      .map((deployment) => ({ deployment, key: random() ** (1 / deployment.weight) }))
      .sort((a, b) => b.key - a.key)
      .map(({ deployment }) => deployment);
  },
});
