import type { Config, Logger } from "@nexus/core";
import {
  createGateway,
  createLocalProvider,
  createOpenAICompatibleProvider,
  type Gateway,
  type ModelProvider,
} from "@nexus/gateway";

/**
 * The gateway from config: one provider per `NEXUS_OPENAI_UPSTREAMS` entry, plus the local GGUF
 * provider over `NEXUS_MODELS_DIR` (cheap until a model is asked for: node-llama-cpp loads lazily).
 */
export function createModelGateway(config: Config, logger: Logger): Gateway {
  const providers: ModelProvider[] = config.openaiUpstreams.map((upstream) =>
    createOpenAICompatibleProvider(upstream),
  );
  providers.push(createLocalProvider({ modelsDir: config.modelsDir }));
  return createGateway({
    providers,
    onProviderError: (providerId, error) =>
      logger.warn({ provider: providerId, err: error }, "model provider could not list its models; skipped"),
  });
}
