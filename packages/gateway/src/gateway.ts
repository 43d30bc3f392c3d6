import type { ResponseCache } from "./cache/response-cache.ts";
import type { GatewayCallRecord } from "./call-meter.ts";
import { CallMeter, tokensOf } from "./call-meter.ts";
import { streamChat } from "./gateway-stream.ts";
import { tokenizeThroughAlias } from "./gateway-tokenize.ts";
import { estimatePromptTokens } from "./limits/token-estimate.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelInfo,
} from "./protocol/openai-chat.ts";
import type { RerankRequest, RerankResponse } from "./protocol/rerank.ts";
import type { TokenizeRequest, TokenizeResponse } from "./protocol/tokenize.ts";
import { ProviderCatalog } from "./provider-catalog.ts";
import type { ModelProvider } from "./providers/model-provider.ts";
import { ProviderError } from "./providers/provider-error.ts";
import type { RequestContext } from "./request-context.ts";
import type { DeploymentHealth } from "./routing/deployment-health.ts";
import type { Alias } from "./routing/gateway-config.ts";
import type { GatewayConfigStore } from "./routing/gateway-config-store.ts";
import type { Routed } from "./routing/router.ts";
import { type WorkspaceRoutes, WorkspaceRouting } from "./workspace-routing.ts";

export type { GatewayCallRecord } from "./call-meter.ts";

/** Token limits and budgets (packages/gateway/src/limits); admit throws a 429 ProviderError. */
export interface GatewayLimiter {
  admit(
    context: RequestContext,
    estimate: { promptTokens: number; maxOutputTokens: number },
  ): Promise<{ settle(used: { promptTokens: number; completionTokens: number }): void; cancel(): void }>;
}

export interface GatewayOptions {
  /** Instance-wide providers, offered to every workspace. */
  providers: ModelProvider[];
  /** Workspaces' own providers and aliases; without it, only instance providers' models route. */
  config?: GatewayConfigStore;
  limiter?: GatewayLimiter;
  cache?: ResponseCache;
  /** Told of every failed upstream attempt, including those a fallback recovered from; must not throw. */
  onAttemptFailure?(deploymentId: string, error: ProviderError): void;
  /** Called once per finished call (success or failure); must not throw. */
  onCall?(record: GatewayCallRecord): void;
  /** How long a model listing is trusted for routing bare model names. Default 30 s. */
  catalogTtlMs?: number;
  /** A provider that has not listed its models by then is skipped. Default 5 s. */
  listTimeoutMs?: number;
  /** Told when a provider fails to list its models (it is skipped, not fatal). */
  onProviderError?(providerId: string, error: unknown): void;
}

/** The one way Nexus calls a model: per workspace, through aliases, limits, cache and the router. */
export interface Gateway {
  /** The workspace's aliases, its providers' models and the instance's, in OpenAI's list format. */
  listModels(context: Pick<RequestContext, "workspaceId" | "signal">): Promise<ModelInfo[]>;
  /** Throws ProviderError 404 `model_not_found` for names nothing offers. */
  resolve(workspaceId: string, model: string): Promise<Alias>;
  generate(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion>;
  /** Failures before the first chunk (unknown model, limits, every deployment down) surface on the first `next()`. */
  stream(request: ChatCompletionRequest, context: RequestContext): AsyncIterable<ChatCompletionChunk>;
  embed(request: EmbeddingRequest, context: RequestContext): Promise<EmbeddingResponse>;
  /** Documents ordered by relevance to a query (Cohere/Jina/vLLM shape). */
  rerank(request: RerankRequest, context: RequestContext): Promise<RerankResponse>;
  /** Tokens of each text in the model's own tokenizer; `exact: false` when estimated (see gateway-tokenize.ts). */
  tokenize(request: TokenizeRequest, context: RequestContext): Promise<TokenizeResponse>;
  /** Health of the deployments behind a workspace's aliases. */
  health(workspaceId: string): Promise<DeploymentHealth[]>;
  /** Instance-wide providers (config, local, discovered servers); add and remove while running. */
  readonly instanceProviders: ProviderCatalog;
  /** Drops a workspace's cached routing state (its configuration changed). */
  invalidate(workspaceId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * const gateway = createGateway({ providers: [createOpenAICompatibleProvider({ id: "vllm", baseURL })] });
 * await gateway.generate({ model: "vllm/qwen", messages }, { workspaceId, apiKeyId: null, signal });
 */
export function createGateway(options: GatewayOptions): Gateway {
  const catalog = new ProviderCatalog(options.providers, {
    ttlMs: options.catalogTtlMs,
    listTimeoutMs: options.listTimeoutMs,
    onProviderError: options.onProviderError,
  });
  const routing = new WorkspaceRouting(
    catalog,
    options.config,
    options.onProviderError,
    options.onAttemptFailure,
  );
  const { limiter, cache } = options;

  async function admit(request: ChatCompletionRequest, context: RequestContext) {
    if (!limiter) return undefined;
    // Without a max, the limiter reserves its cap: a budget must hold whatever the answer may cost.
    const maxOutputTokens = request.max_completion_tokens ?? request.max_tokens ?? Number.MAX_SAFE_INTEGER;
    return limiter.admit(context, { promptTokens: estimatePromptTokens(request), maxOutputTokens });
  }

  function cachePolicy(alias: Alias, context: RequestContext) {
    if (!cache || !alias.cache || context.cacheDirective === "no-store") return undefined;
    return { policy: alias.cache, lookup: context.cacheDirective !== "no-cache" };
  }

  /** Refuses a call no deployment of the alias can serve, before routing (a 400, not a 404 after trying). */
  function assertCapable(
    routes: WorkspaceRoutes,
    alias: Alias,
    what: string,
    can: (provider: ModelProvider) => boolean,
  ) {
    const providers = alias.deployments.map((deployment) => routing.provider(routes, deployment.provider));
    if (providers.every((provider) => provider && !can(provider))) {
      throw new ProviderError(`The model '${alias.name}' ${what}`, {
        status: 400,
        type: "invalid_request_error",
        param: "model",
        retryable: false,
      });
    }
  }

  /** A whole, uncached call (embeddings, rerank): resolve, check the alias can serve it, route, account. */
  async function routeOnce<Answer>(
    context: RequestContext,
    endpoint: "embeddings" | "rerank",
    model: string,
    how: {
      refusal: string;
      can: (provider: ModelProvider) => boolean;
      call: (alias: Alias, routes: WorkspaceRoutes) => Promise<Routed<Answer>>;
      promptTokens: (answer: Answer) => number;
    },
  ): Promise<Answer> {
    const meter = new CallMeter(context, endpoint, false, options.onCall);
    try {
      const { alias, routes } = await routing.resolve(context.workspaceId, model);
      meter.note({ alias: alias.name });
      assertCapable(routes, alias, how.refusal, how.can);
      const routed = await how.call(alias, routes);
      meter.succeeded({
        deployment: routed.deployment,
        attempts: routed.attempts,
        promptTokens: how.promptTokens(routed.value),
      });
      return routed.value;
    } catch (error) {
      meter.failed(error);
      throw error;
    }
  }

  return {
    instanceProviders: catalog,
    listModels: (context) => routing.listModels(context.workspaceId, context.signal),
    resolve: async (workspaceId, model) => (await routing.resolve(workspaceId, model)).alias,
    invalidate: (workspaceId) => routing.invalidate(workspaceId),

    async generate(request, context) {
      const meter = new CallMeter(context, "chat", false, options.onCall);
      let admission: Awaited<ReturnType<typeof admit>>;
      try {
        const { alias, routes } = await routing.resolve(context.workspaceId, request.model);
        meter.note({ alias: alias.name });
        admission = await admit(request, context);
        const caching = cachePolicy(alias, context);
        if (caching && cache) {
          meter.note({ cache: "miss" });
          const hit = caching.lookup ? await cache.lookup(context, request, caching.policy) : undefined;
          if (hit) {
            admission?.cancel();
            meter.succeeded({ cache: hit.kind, ...tokensOf(hit.completion) });
            return hit.completion;
          }
        }
        const routed = await routes.router.generate(alias, request, context);
        const tokens = tokensOf(routed.value);
        admission?.settle(tokens);
        if (caching && cache) void cache.store(context, request, caching.policy, routed.value);
        meter.succeeded({ deployment: routed.deployment, attempts: routed.attempts, ...tokens });
        return routed.value;
      } catch (error) {
        admission?.cancel();
        meter.failed(error);
        throw error;
      }
    },

    stream: (request, context) =>
      streamChat({ routing, admit, cachePolicy, cache, onCall: options.onCall }, request, context),

    embed: (request, context) =>
      routeOnce(context, "embeddings", request.model, {
        refusal: "does not support embeddings",
        can: (provider) => provider.doEmbed !== undefined,
        call: (alias, routes) => routes.router.embed(alias, request, context),
        promptTokens: (answer) => answer.usage?.prompt_tokens ?? 0,
      }),

    rerank: (request, context) =>
      routeOnce(context, "rerank", request.model, {
        refusal: "can neither rerank nor embed",
        can: (provider) => provider.doRerank !== undefined || provider.doEmbed !== undefined,
        call: (alias, routes) => routes.router.rerank(alias, request, context),
        promptTokens: (answer) => answer.usage?.total_tokens ?? 0,
      }),

    tokenize: (request, context) => tokenizeThroughAlias(routing, request, context),

    async health(workspaceId) {
      const routes = await routing.get(workspaceId);
      return [...routes.aliases.values()].flatMap((alias) => routes.router.health(alias));
    },

    async close() {
      await routing.close();
      await catalog.close();
    },
  };
}
