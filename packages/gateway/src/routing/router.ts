import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "../protocol/openai-chat.ts";
import type { RerankRequest, RerankResponse } from "../protocol/rerank.ts";
import type { CallOptions, ModelProvider } from "../providers/model-provider.ts";
import { ProviderError } from "../providers/provider-error.ts";
import type { RequestContext } from "../request-context.ts";
import { rerankByEmbeddings } from "../rerank-by-embeddings.ts";
import { startActiveHealthChecks } from "./active-health-checks.ts";
import { ConcurrencyGate } from "./concurrency-gate.ts";
import {
  type DeploymentHealth,
  type DeploymentHealthOptions,
  DeploymentHealthTracker,
} from "./deployment-health.ts";
import type { Alias, Deployment } from "./gateway-config.ts";
import { type AttemptsEnvironment, emptyStream, runAttempts, type Target } from "./route-attempts.ts";
import { type AttemptScope, type RequestScope, startRequestScope } from "./route-scope.ts";
import { routedChunks } from "./routed-stream.ts";
import type { RoutedRequest } from "./strategies/routing-strategy.ts";

export type { DeploymentHealth } from "./deployment-health.ts";

export interface RouterOptions {
  /** The provider behind a deployment's `provider` id; undefined makes that deployment unusable. */
  provider(id: string): ModelProvider | undefined;
  /** Uniform in [0, 1); injectable for deterministic tests. Default `Math.random`. */
  random?: () => number;
  /** Clock in milliseconds for health and timings; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** When set, every this often open deployments are probed with `listModels`; success half-opens them. */
  activeCheckIntervalMs?: number;
  /** How long one active check may take. Default 2 s. */
  activeCheckTimeoutMs?: number;
  /** Circuit breaker and error-rate settings (defaults in deployment-health.ts). */
  health?: Omit<DeploymentHealthOptions, "now">;
  /** Base of the jittered exponential backoff before retrying the same deployment. Default 100 ms. */
  retryBackoffMs?: number;
}

/** An answer and how it was obtained. */
export interface Routed<T> {
  value: T;
  /** The deployment that answered. */
  deployment: Deployment;
  /** Upstream calls made, the successful one included. */
  attempts: number;
  /** From the router's call to the answer, waits and failed attempts included. */
  latencyMs: number;
}

export interface RoutedStream {
  deployment: Deployment;
  attempts: number;
  /** From the router's call to the first chunk. */
  firstTokenMs: number;
  /**
   * Starts with the first chunk. Iterate it to the end or call `return()` (which cancels the
   * upstream): either gives back the deployment's concurrency slot. Errors after the first chunk
   * are thrown from here (they are never retried: output would be duplicated).
   */
  chunks: AsyncIterableIterator<ChatCompletionChunk>;
}

/**
 * Sends each request to one of an alias's deployments: ordered by the alias's strategy, skipping
 * open circuits, falling back on retryable failures, under the alias's timeouts and each
 * deployment's concurrency cap. All errors are ProviderErrors.
 */
export interface Router {
  generate(
    alias: Alias,
    request: ChatCompletionRequest,
    context: RequestContext,
  ): Promise<Routed<ChatCompletion>>;
  /** Resolves once a deployment delivered the first chunk; every fallback happens before that. */
  stream(alias: Alias, request: ChatCompletionRequest, context: RequestContext): Promise<RoutedStream>;
  embed(alias: Alias, request: EmbeddingRequest, context: RequestContext): Promise<Routed<EmbeddingResponse>>;
  /** Rerank where the provider has it, else by embedding similarity where it has embeddings. */
  rerank(alias: Alias, request: RerankRequest, context: RequestContext): Promise<Routed<RerankResponse>>;
  /** The alias's deployments, or every deployment routed to so far. */
  health(alias?: Alias): DeploymentHealth[];
  /** Stops the active checks. */
  close(): void;
}

/**
 * @example
 * const router = createRouter({ provider: (id) => providers.get(id) });
 * const { value, deployment } = await router.generate(alias, request, { workspaceId, apiKeyId: null, signal });
 * const routed = await router.stream(alias, { ...request, stream: true }, context);
 * for await (const chunk of routed.chunks) write(chunk);
 */
export function createRouter(options: RouterOptions): Router {
  const now = options.now ?? Date.now;
  const health = new DeploymentHealthTracker({ ...options.health, now });
  const environment: AttemptsEnvironment = {
    provider: options.provider,
    health,
    gate: new ConcurrencyGate(),
    random: options.random ?? Math.random,
    now,
    retryBackoffMs: options.retryBackoffMs ?? 100,
  };
  const activeChecks =
    options.activeCheckIntervalMs === undefined
      ? undefined
      : startActiveHealthChecks({
          intervalMs: options.activeCheckIntervalMs,
          timeoutMs: options.activeCheckTimeoutMs ?? 2_000,
          health,
          provider: options.provider,
        });

  const callOptions = (alias: Alias, deployment: Deployment, attempt: AttemptScope): CallOptions => ({
    model: deployment.model,
    signal: attempt.signal,
    timeouts: alias.timeouts,
  });

  /** A whole answer (completion or embeddings): the first-token timeout covers all of it. */
  async function routeWhole<T>(
    alias: Alias,
    request: RoutedRequest,
    context: RequestContext,
    call: (target: Target, options: CallOptions) => Promise<T>,
  ): Promise<Routed<T>> {
    const startedAt = now();
    const scope = startRequestScope(context.signal, alias.timeouts?.totalMs);
    try {
      const { value, held, attempts } = await runAttempts(
        environment,
        alias,
        request,
        scope,
        (target, attempt) => call(target, callOptions(alias, target.deployment, attempt)),
      );
      const latencyMs = now() - held.startedAt;
      held.record.succeeded({ latencyMs });
      held.scope.end(false);
      held.releaseSlot();
      return { value, deployment: held.target.deployment, attempts, latencyMs: now() - startedAt };
    } finally {
      scope.end();
    }
  }

  async function stream(alias: Alias, request: ChatCompletionRequest, context: RequestContext) {
    const startedAt = now();
    const scope: RequestScope = startRequestScope(context.signal, alias.timeouts?.totalMs);
    try {
      const { value, held, attempts } = await runAttempts(
        environment,
        alias,
        { kind: "chat", stream: true, body: request },
        scope,
        async (target, attempt) => {
          const upstream = target.provider
            .doStream(request, callOptions(alias, target.deployment, attempt))
            [Symbol.asyncIterator]();
          try {
            const first = await upstream.next();
            // Too late: the router gave up on this attempt (timeout, client gone) and moved on.
            attempt.signal.throwIfAborted();
            if (first.done) throw emptyStream(target.deployment.id);
            attempt.firstTokenArrived();
            return { first: first.value, upstream };
          } catch (error) {
            upstream.return?.().catch(() => {});
            throw error;
          }
        },
      );
      const chunks = routedChunks({
        ...value,
        held,
        scope,
        alias,
        now,
        ttftMs: now() - held.startedAt,
      });
      return { deployment: held.target.deployment, attempts, firstTokenMs: now() - startedAt, chunks };
    } catch (error) {
      scope.end();
      throw error;
    }
  }

  return {
    generate: (alias, request, context) =>
      routeWhole(alias, { kind: "chat", stream: false, body: request }, context, ({ provider }, call) =>
        provider.doGenerate(request, call),
      ),
    stream,
    embed: (alias, request, context) =>
      routeWhole(alias, { kind: "embed", body: request }, context, ({ provider }, call) => {
        if (!provider.doEmbed) throw new Error(`provider '${provider.id}' has no embeddings`);
        return provider.doEmbed(request, call);
      }),
    rerank: (alias, request, context) =>
      // Routed like an embedding of the query: the strategies need no rerank-specific input.
      routeWhole(
        alias,
        { kind: "embed", body: { model: request.model, input: request.query } },
        context,
        ({ provider }, call) => {
          const embed = provider.doEmbed?.bind(provider);
          const byEmbeddings = () => {
            if (!embed) throw new Error(`provider '${provider.id}' has neither rerank nor embeddings`);
            return rerankByEmbeddings((embedding) => embed(embedding, call), request);
          };
          if (!provider.doRerank) return byEmbeddings();
          // An upstream without a rerank endpoint (Ollama, LM Studio) can still rank by its embeddings.
          return provider.doRerank(request, call).catch((error: unknown) => {
            if (embed && error instanceof ProviderError && error.options.code === "rerank_not_supported")
              return byEmbeddings();
            throw error;
          });
        },
      ),
    health: (alias) =>
      alias ? alias.deployments.map((deployment) => health.snapshot(deployment)) : health.snapshots(),
    close: () => activeChecks?.stop(),
  };
}
