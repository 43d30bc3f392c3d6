import { type Config, createLogger, describeStore, type Logger, type StoreOptions } from "@nexus/core";
import { buildApp, type NexusApp } from "./app.ts";
import type { AppDependencies } from "./dependencies.ts";
import { openServices } from "./open-services.ts";

export interface RunningNexus extends NexusApp {
  /** Base URL the server listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  dependencies: AppDependencies;
  /** Graceful stop: refuse new requests, finish running ones, drain the queue, close connections. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Overrides the store options derived from config (tests use a PostgreSQL schema each). */
  store?: StoreOptions;
  /** Prefix for Redis keys and channels (tests use one each); default NEXUS_REDIS_PREFIX. */
  redisPrefix?: string;
  webRoot?: string;
}

/** Opens the store, queue and event bus from config, then serves the app. */
export async function startNexus(config: Config, options: StartOptions = {}): Promise<RunningNexus> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const services = await openServices(config, {
    logger,
    ...(options.store ? { store: options.store } : {}),
    ...(options.redisPrefix !== undefined ? { redisPrefix: options.redisPrefix } : {}),
  });
  const { dependencies, storeOptions } = services;
  const { queue, events } = dependencies;
  try {
    const nexus = await buildApp(dependencies, { webRoot: options.webRoot });
    const address = await nexus.app.listen({ port: config.port, host: config.host });
    // In the background, once listening (building the app keeps the event loop too busy to read
    // a probe's answer in time): a start must not wait on ports nobody answers.
    void dependencies.discovery
      .probe({ timeoutMs: 2_000 })
      .catch((error) => logger.warn({ err: error }, "probing for local model servers failed"));
    const url = address.replace("[::1]", "localhost");
    logger.info(
      {
        url,
        store: describeStore(storeOptions),
        queue: queue.kind,
        events: events.kind,
      },
      "nexus started",
    );
    let stopping: Promise<void> | undefined;
    return {
      ...nexus,
      url,
      dependencies,
      stop: () => {
        stopping ??= (async () => {
          await nexus.close();
          await services.close();
          logger.info("nexus stopped");
          await new Promise<void>((resolve) => logger.flush(() => resolve()));
        })();
        return stopping;
      },
    };
  } catch (error) {
    await services.close().catch(() => {});
    throw error;
  }
}
