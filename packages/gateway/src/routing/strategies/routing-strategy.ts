import type { ChatCompletionRequest, EmbeddingRequest } from "../../protocol/openai-chat.ts";
import type { DeploymentLoad } from "../deployment-health.ts";
import type { Deployment, StrategyName } from "../gateway-config.ts";

/** The request being routed, as a strategy sees it. */
export type RoutedRequest =
  | { kind: "chat"; stream: boolean; body: ChatCompletionRequest }
  | { kind: "embed"; body: EmbeddingRequest };

export interface StrategyInput {
  request: RoutedRequest;
  /** Live load of a deployment: in-flight count and latency averages. */
  load(deployment: Deployment): DeploymentLoad;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random(): number;
}

/**
 * How an alias spreads requests over its deployments. A strategy only orders the candidates
 * (first choice first); the router skips unavailable ones, calls, and falls back down the list.
 * It must not call anything or keep per-request state.
 */
export interface RoutingStrategy {
  readonly name: StrategyName;
  /**
   * The candidates best first: a new array holding each of `candidates` once. The candidates are
   * the alias's available deployments; there is at least one.
   */
  order(candidates: readonly Deployment[], input: StrategyInput): Deployment[];
}

/** Declares a strategy (adding one is a file with this call and one line in `index.ts`). */
export function defineStrategy(strategy: RoutingStrategy): RoutingStrategy {
  return strategy;
}

/** A uniformly shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
