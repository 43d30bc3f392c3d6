import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelInfo,
} from "./protocol/openai-chat.ts";
import type { ModelProvider } from "./providers/model-provider.ts";
import { modelNotFound, ProviderError } from "./providers/provider-error.ts";

export interface GatewayOptions {
  providers: ModelProvider[];
  /** How long a model listing is trusted for routing bare model names. Default 30 s. */
  catalogTtlMs?: number;
  /** A provider that has not listed its models by then is skipped, so one stuck upstream cannot stall `/v1/models`. Default 5 s. */
  listTimeoutMs?: number;
  /** Told when a provider fails to list its models (it is skipped, not fatal). */
  onProviderError?(providerId: string, error: unknown): void;
}

/** Where a client's model name goes. */
export interface ModelRoute {
  provider: ModelProvider;
  /** The upstream's own model id. */
  model: string;
}

/** The one way Nexus calls a model: routes a client's `model` to a provider and upstream model. */
export interface Gateway {
  /** Every provider's models as `<providerId>/<modelId>`, plus `<modelId>` where only one provider has it. */
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  /** Throws ProviderError 404 `model_not_found` for names nothing offers. */
  resolve(model: string): Promise<ModelRoute>;
  generate(request: ChatCompletionRequest, signal: AbortSignal): Promise<ChatCompletion>;
  /** Resolution errors surface on the first `next()`, before any chunk. */
  stream(request: ChatCompletionRequest, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
  embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse>;
  /** Closes every provider. */
  close(): Promise<void>;
}

interface Catalog {
  models: ModelInfo[];
  /** Bare upstream model id → the providers offering it. */
  owners: Map<string, ModelProvider[]>;
  builtAt: number;
}

// A miss re-lists at most this often, so a client asking for a missing model cannot hammer upstreams.
const minimumRefreshMs = 1_000;

/**
 * Routing by name, kept small on purpose: a `<providerId>/` prefix routes without a listing (the
 * hot path costs a map lookup); a bare name is looked up in a cached listing of all providers.
 * Aliases, deployments and strategies come later, on top of this.
 *
 * @example
 * const gateway = createGateway({ providers: [createOpenAICompatibleProvider({ id: "vllm", baseURL })] });
 * await gateway.generate({ model: "vllm/qwen", messages }, signal);
 */
export function createGateway(options: GatewayOptions): Gateway {
  const byId = new Map(options.providers.map((provider) => [provider.id, provider]));
  if (byId.size !== options.providers.length) throw new Error("Provider ids must be unique");
  const ttl = options.catalogTtlMs ?? 30_000;
  const listTimeoutMs = options.listTimeoutMs ?? 5_000;
  let catalog: Catalog | undefined;
  let building: Promise<Catalog> | undefined;

  function buildCatalog(signal?: AbortSignal): Promise<Catalog> {
    building ??= (async () => {
      const listings = await Promise.all(
        options.providers.map(async (provider) => {
          try {
            const timeout = AbortSignal.timeout(listTimeoutMs);
            return {
              provider,
              models: await provider.listModels(signal ? AbortSignal.any([signal, timeout]) : timeout),
            };
          } catch (error) {
            options.onProviderError?.(provider.id, error);
            return { provider, models: [] };
          }
        }),
      );
      const owners = new Map<string, ModelProvider[]>();
      const models: ModelInfo[] = [];
      const created = Math.floor(Date.now() / 1000);
      for (const { provider, models: offered } of listings) {
        for (const model of offered) {
          owners.set(model.id, [...(owners.get(model.id) ?? []), provider]);
          models.push({ id: `${provider.id}/${model.id}`, object: "model", created, owned_by: provider.id });
        }
      }
      for (const [model, providers] of owners) {
        if (providers.length === 1)
          models.push({ id: model, object: "model", created, owned_by: providers[0]?.id ?? "" });
      }
      catalog = { models, owners, builtAt: Date.now() };
      return catalog;
    })().finally(() => {
      building = undefined;
    });
    return building;
  }

  async function resolve(name: string): Promise<ModelRoute> {
    const slash = name.indexOf("/");
    const prefixed = slash > 0 ? byId.get(name.slice(0, slash)) : undefined;
    if (prefixed) return { provider: prefixed, model: name.slice(slash + 1) };
    let current = catalog && Date.now() - catalog.builtAt < ttl ? catalog : await buildCatalog();
    if (!current.owners.has(name) && Date.now() - current.builtAt >= minimumRefreshMs) {
      current = await buildCatalog();
    }
    const owners = current.owners.get(name) ?? [];
    const [only] = owners;
    if (owners.length === 1 && only) return { provider: only, model: name };
    if (owners.length > 1) {
      const names = owners.map((provider) => `'${provider.id}/${name}'`).join(", ");
      throw modelNotFound(name, `is offered by several providers; name one of ${names}`);
    }
    throw modelNotFound(name);
  }

  return {
    listModels: async (signal) => (await buildCatalog(signal)).models,
    resolve,
    async generate(request, signal) {
      const route = await resolve(request.model);
      return route.provider.doGenerate(request, { model: route.model, signal });
    },
    async *stream(request, signal) {
      const route = await resolve(request.model);
      yield* route.provider.doStream(request, { model: route.model, signal });
    },
    async embed(request, signal) {
      const route = await resolve(request.model);
      if (!route.provider.doEmbed) {
        throw new ProviderError(`The model '${request.model}' does not support embeddings`, {
          status: 400,
          type: "invalid_request_error",
          param: "model",
          retryable: false,
        });
      }
      return route.provider.doEmbed(request, { model: route.model, signal });
    },
    async close() {
      await Promise.allSettled(options.providers.map((provider) => provider.close?.()));
    },
  };
}
