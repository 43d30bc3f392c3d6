import type { StrategyName } from "../gateway-config.ts";
import { leastOutstandingStrategy } from "./least-outstanding-strategy.ts";
import { lowestLatencyStrategy } from "./lowest-latency-strategy.ts";
import { prefixAffinityStrategy } from "./prefix-affinity-strategy.ts";
import type { RoutingStrategy } from "./routing-strategy.ts";
import { weightedStrategy } from "./weighted-strategy.ts";

/** Every routing strategy by the name an alias gives (`alias.strategy`). */
export const routingStrategies: Record<StrategyName, RoutingStrategy> = {
  weighted: weightedStrategy,
  "least-outstanding": leastOutstandingStrategy,
  "lowest-latency": lowestLatencyStrategy,
  "prefix-affinity": prefixAffinityStrategy,
};

export { createPrefixAffinityStrategy, type PrefixAffinityOptions } from "./prefix-affinity-strategy.ts";
export type { RoutedRequest, RoutingStrategy, StrategyInput } from "./routing-strategy.ts";
export { defineStrategy } from "./routing-strategy.ts";
