import {
  type Config,
  createSecretBox,
  type EventBus,
  instanceSecret,
  type Logger,
  type Metrics,
  type Store,
} from "@nexus/core";
import {
  createGateway,
  createLimiter,
  createLimitsStore,
  createLocalProvider,
  createOpenAICompatibleProvider,
  createResponseCache,
  createUsageRecorder,
  type Gateway,
  type GatewayCallRecord,
  GatewayConfigStore,
  type GatewayOptions,
  type LimitsStore,
  type ModelProvider,
  parseDiscoveryPorts,
} from "@nexus/gateway";
import { LocalServerDiscovery } from "./local-server-discovery.ts";

export interface ModelGateway {
  gateway: Gateway;
  /** Workspaces' providers and aliases; absent without a store (one-off CLI commands). */
  config?: GatewayConfigStore;
  /** Limits per workspace and key; absent without a store. */
  limits?: LimitsStore;
  /** Local model servers on their usual ports; probed at start in the background. */
  discovery: LocalServerDiscovery;
  close(): Promise<void>;
}

/** Instance-wide providers: one per `NEXUS_OPENAI_UPSTREAMS` entry, and the local GGUF provider (loads lazily). */
function instanceProviders(config: Config): ModelProvider[] {
  const providers: ModelProvider[] = config.openaiUpstreams.map((upstream) =>
    createOpenAICompatibleProvider(upstream),
  );
  providers.push(createLocalProvider({ modelsDir: config.modelsDir }));
  return providers;
}

/**
 * The gateway from config. With a store and event bus (the server), workspaces' own providers and
 * aliases route too, with limits, cache and usage accounting; without (one-off CLI commands), only
 * instance providers.
 */
export async function createModelGateway(
  config: Config,
  logger: Logger,
  services?: { store: Store; events: EventBus; metrics: Metrics; redisPrefix?: string },
): Promise<ModelGateway> {
  const options: GatewayOptions = {
    providers: instanceProviders(config),
    onProviderError: (providerId, error) =>
      logger.warn({ provider: providerId, err: error }, "model provider could not list its models; skipped"),
  };
  const closers: Array<() => Promise<void>> = [];
  let gatewayConfig: GatewayConfigStore | undefined;
  let limits: LimitsStore | undefined;
  let embedder: Gateway | undefined;
  if (services) {
    const { store, events, metrics } = services;
    const usage = createUsageRecorder({
      store,
      metrics,
      onError: (error) => logger.warn({ err: error }, "gateway usage rows could not be written (retrying)"),
    });
    options.onCall = (call) => usage.record(usageRecordOf(call));
    options.onAttemptFailure = (deploymentId, error) =>
      usage.recordUpstreamError(deploymentId, error.options.type);
    closers.push(() => usage.close());
    limits = createLimitsStore({ store, events });
    const limiter = createLimiter({
      store,
      events,
      limits,
      redisUrl: config.redisUrl,
      redisPrefix: services.redisPrefix,
      onError: (error) => logger.warn({ err: error }, "gateway limiter degraded"),
    });
    options.limiter = limiter;
    // The semantic cache embeds prompts through the gateway itself, bound once it exists.
    options.cache = createResponseCache({
      store,
      embed: async (model, input, context) => {
        const response = await embedder?.embed({ model, input }, context);
        const vector = response?.data[0]?.embedding;
        if (!Array.isArray(vector)) throw new Error(`The embedding model '${model}' returned no vector`);
        return vector;
      },
      onError: (error, during) => logger.warn({ err: error, during }, "gateway response cache degraded"),
    });
    closers.push(
      () => limiter.close(),
      () => limits?.close() ?? Promise.resolve(),
    );
    gatewayConfig = new GatewayConfigStore(
      services.store,
      services.events,
      createSecretBox(instanceSecret(config)),
    );
    await gatewayConfig.start();
    closers.push(() => gatewayConfig?.close() ?? Promise.resolve());
    options.config = gatewayConfig;
  }
  const gateway = createGateway(options);
  embedder = gateway;
  const discovery = new LocalServerDiscovery(
    gateway.instanceProviders,
    parseDiscoveryPorts(config.discoveryPorts),
    logger,
  );
  return {
    gateway,
    config: gatewayConfig,
    limits,
    discovery,
    close: async () => {
      await gateway.close();
      for (const close of closers) await close();
    },
  };
}

/** A finished gateway call as a usage row (and Prometheus series). */
function usageRecordOf(call: GatewayCallRecord) {
  const { context, deployment } = call;
  return {
    workspaceId: context.workspaceId,
    apiKeyId: context.apiKeyId,
    requestId: context.requestId ?? null,
    alias: call.alias,
    deployment: deployment?.id ?? null,
    provider: deployment?.provider ?? null,
    model: deployment?.model ?? null,
    endpoint: call.endpoint,
    stream: call.stream,
    cache: call.cache,
    status: call.status,
    errorType: call.errorType ?? null,
    promptTokens: call.promptTokens,
    completionTokens: call.completionTokens,
    ttftMs: call.ttftMs ?? null,
    durationMs: call.durationMs,
    pricing: deployment,
  };
}
