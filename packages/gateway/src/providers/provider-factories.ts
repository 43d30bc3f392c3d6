import type { ProviderConfig } from "../routing/gateway-config.ts";
import { createAnthropicProvider } from "./anthropic-provider.ts";
import type { ModelProvider } from "./model-provider.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

/**
 * How a workspace's configured provider (`POST /api/gateway/providers`) becomes a ModelProvider,
 * by kind. Adding a kind is a provider file and one line here.
 */
export const providerFactories: Partial<
  Record<ProviderConfig["kind"], (config: ProviderConfig) => ModelProvider>
> = {
  "openai-compatible": (config) => createOpenAICompatibleProvider(config),
  anthropic: (config) => createAnthropicProvider(config),
};
