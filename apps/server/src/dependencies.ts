import type { Config, EventBus, Logger, Metrics, Queue, Store } from "@nexus/core";
import type { Gateway, GatewayConfigStore, LimitsStore } from "@nexus/gateway";
import type { LocalServerDiscovery } from "./local-server-discovery.ts";

/** What the server is built from. Opened and closed by startNexus, or by a test. */
export interface AppDependencies {
  config: Config;
  store: Store;
  queue: Queue;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** The only way the server calls models; closed by its owner, after the app. */
  gateway: Gateway;
  /** Workspaces' model providers and aliases. */
  gatewayConfig: GatewayConfigStore;
  /** Requests, tokens and budgets per workspace and key. */
  gatewayLimits: LimitsStore;
  /** Local model servers (Ollama, Jan, LM Studio, vLLM, llama.cpp) found and offered as providers. */
  discovery: LocalServerDiscovery;
  /** Prefix of this deployment's Redis keys and channels (tests use one each). */
  redisPrefix?: string;
}
