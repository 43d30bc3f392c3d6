import type { Config, EventBus, Logger, Metrics, Queue, Store } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";

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
}
