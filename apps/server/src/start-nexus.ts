import {
  type Config,
  createEventBus,
  createLogger,
  createMetrics,
  createQueue,
  describeStore,
  ensureDefaultWorkspaces,
  type Logger,
  openStore,
  type StoreOptions,
} from "@nexus/core";
import { buildApp, type NexusApp } from "./app.ts";
import type { AppDependencies } from "./dependencies.ts";
import { createModelGateway } from "./model-gateway.ts";

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
  /** Prefix for Redis keys and channels (tests use one each). */
  redisPrefix?: string;
  webRoot?: string;
}

/** Opens the store, queue and event bus from config, then serves the app. */
export async function startNexus(config: Config, options: StartOptions = {}): Promise<RunningNexus> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const storeOptions: StoreOptions = options.store ?? config.database;
  const store = await openStore(storeOptions);
  const opened: Array<() => Promise<unknown>> = [() => store.close()];
  try {
    await ensureDefaultWorkspaces(store.db);
    const queue = await createQueue({
      redisUrl: config.redisUrl,
      store,
      prefix: options.redisPrefix,
      onError: (error) => logger.warn({ err: error }, "queue error (recovering)"),
    });
    opened.unshift(() => queue.close());
    const events = await createEventBus({
      redisUrl: config.redisUrl,
      prefix: options.redisPrefix,
      onListenerError: (error) => logger.error({ err: error }, "event listener failed"),
    });
    opened.unshift(() => events.close());
    const gateway = createModelGateway(config, logger);
    opened.unshift(() => gateway.close());
    const dependencies: AppDependencies = {
      config,
      store,
      queue,
      events,
      logger,
      metrics: createMetrics(),
      gateway,
    };
    const nexus = await buildApp(dependencies, { webRoot: options.webRoot });
    const address = await nexus.app.listen({ port: config.port, host: config.host });
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
          for (const close of opened) await close();
          logger.info("nexus stopped");
          await new Promise<void>((resolve) => logger.flush(() => resolve()));
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const close of opened) await close().catch(() => {});
    throw error;
  }
}
