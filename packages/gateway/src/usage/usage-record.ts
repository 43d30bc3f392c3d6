import type { DeploymentConfig } from "../routing/gateway-config.ts";

export const usageEndpoints = ["chat", "embeddings", "messages", "rerank"] as const;
export type UsageEndpoint = (typeof usageEndpoints)[number];
export const cacheOutcomes = ["miss", "exact", "semantic", "none"] as const;
/** `none`: the cache was off for the request; `miss`: looked up and not found. */
export type CacheOutcome = (typeof cacheOutcomes)[number];

/** What the gateway reports about one finished (or failed) request. */
export interface UsageRecord {
  workspaceId: string;
  apiKeyId: string | null;
  requestId?: string | null;
  /** The configured alias, or the resolved model name: never unresolved text from the client (it labels metrics). */
  alias: string;
  /** The deployment that answered (or failed last); null when none was reached. */
  deployment?: string | null;
  provider?: string | null;
  /** The upstream's model id. */
  model?: string | null;
  endpoint: UsageEndpoint;
  stream: boolean;
  cache: CacheOutcome;
  /** HTTP status given to the client. */
  status: number;
  /** The error's `type` when the request failed. */
  errorType?: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds to the first streamed token. */
  ttftMs?: number | null;
  durationMs: number;
  /** The deployment's prices; the row's cost is computed from them. */
  pricing?: Pick<DeploymentConfig, "inputCostPerMillion" | "outputCostPerMillion">;
  /** When the request started; default: when it was recorded. */
  startedAt?: Date;
}

/**
 * Dollars for a request: `prompt × input price + completion × output price`, per million tokens.
 * Null when the deployment has no prices; a missing one of the two counts as free.
 */
export function usageCost(
  pricing: UsageRecord["pricing"],
  promptTokens: number,
  completionTokens: number,
): number | null {
  const input = pricing?.inputCostPerMillion;
  const output = pricing?.outputCostPerMillion;
  if (input === undefined && output === undefined) return null;
  return (promptTokens * (input ?? 0)) / 1e6 + (completionTokens * (output ?? 0)) / 1e6;
}
