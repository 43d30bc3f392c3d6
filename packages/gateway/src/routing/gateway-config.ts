import { z } from "zod";

/**
 * What a workspace configures in the gateway: aliases (the names clients send as `model`), each
 * backed by deployments (a provider + upstream model + weight + limits), and limits per workspace
 * and per key. Stored per workspace (see gateway-config-store.ts), edited through `/api/gateway`.
 * These schemas are the contract between the router, the limiter, the cache and the API.
 */

export const strategyNames = ["weighted", "least-outstanding", "lowest-latency", "prefix-affinity"] as const;
export type StrategyName = (typeof strategyNames)[number];

const positiveInt = z.number().int().positive();
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, "letters, digits, '.', '_', ':' or '-', at most 64, no '/'");

export const deploymentSchema = z.object({
  /** Stable within its alias; defaults to `<provider>/<model>` (then `#2`, `#3` … when repeated). */
  id: identifier.optional(),
  /** A provider id: instance-wide (config, local, discovered) or the workspace's own. */
  provider: identifier,
  /** The upstream's own model id. */
  model: z.string().min(1).max(256),
  /** Share of traffic under the `weighted` strategy. */
  weight: z.number().positive().max(1_000_000).default(1),
  /** At most this many requests in flight here; more wait in a first-come-first-served queue. */
  maxConcurrency: positiveInt.max(100_000).optional(),
  /** Dollars per million tokens, for the usage rows' cost. */
  inputCostPerMillion: z.number().nonnegative().optional(),
  outputCostPerMillion: z.number().nonnegative().optional(),
});
export type DeploymentConfig = z.infer<typeof deploymentSchema>;
/** A deployment with its id settled. */
export type Deployment = DeploymentConfig & { id: string };

export const timeoutsSchema = z.object({
  /** Until the upstream accepts the connection and answers with headers. */
  connectMs: positiveInt.max(600_000).optional(),
  /** Until the first token (a stream's first chunk); a fallback is still possible then. */
  firstTokenMs: positiveInt.max(600_000).optional(),
  /** For the whole call. */
  totalMs: positiveInt.max(3_600_000).optional(),
});
export type RouteTimeouts = z.infer<typeof timeoutsSchema>;

export const cachePolicySchema = z.object({
  /** Exact-match response cache lifetime; 0 or absent turns the cache off. */
  ttlSeconds: positiveInt.max(30 * 24 * 3600),
  /** Also answer from a previous response whose prompt embeds within this cosine similarity. */
  semantic: z
    .object({
      threshold: z.number().min(0.5).max(1),
      /** The embedding model (any name the gateway resolves). */
      embeddingModel: z.string().min(1),
    })
    .optional(),
});
export type CachePolicy = z.infer<typeof cachePolicySchema>;

export const aliasSchema = z.object({
  name: identifier,
  description: z.string().max(500).default(""),
  strategy: z.enum(strategyNames).default("weighted"),
  deployments: z.array(deploymentSchema).min(1).max(64),
  /** Further deployments tried after a retryable failure (connect error, 429, 5xx, first-token timeout). */
  retries: z.number().int().min(0).max(10).default(2),
  timeouts: timeoutsSchema.default({}),
  cache: cachePolicySchema.optional(),
});
export type AliasConfig = z.infer<typeof aliasSchema>;
/** An alias as the router uses it: deployment ids settled. */
export type Alias = Omit<AliasConfig, "deployments"> & { deployments: Deployment[] };

export const limitsSchema = z.object({
  requestsPerMinute: positiveInt.max(10_000_000).optional(),
  tokensPerMinute: positiveInt.max(1_000_000_000).optional(),
  /** Tokens (in + out) allowed per calendar period (UTC). */
  tokenBudget: z
    .object({ tokens: positiveInt.max(1_000_000_000_000), period: z.enum(["day", "month"]) })
    .optional(),
});
export type Limits = z.infer<typeof limitsSchema>;

export const providerKinds = ["openai-compatible", "anthropic"] as const;
export const providerSchema = z.object({
  id: identifier,
  kind: z.enum(providerKinds),
  baseURL: z.url(),
  /** Stored encrypted; never returned by the API or logged. */
  apiKey: z.string().min(1).max(4096).optional(),
  headers: z.record(z.string(), z.string().max(4096)).optional(),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

/** Settles deployment ids: the given one, else `<provider>/<model>`, numbered when repeated. */
export function settleAlias(config: AliasConfig): Alias {
  const seen = new Map<string, number>();
  const deployments = config.deployments.map((deployment) => {
    const base = deployment.id ?? `${deployment.provider}/${deployment.model}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { ...deployment, id: count === 1 ? base : `${base}#${count}` };
  });
  return { ...config, deployments };
}
