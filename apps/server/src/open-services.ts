import {
  type Config,
  createEventBus,
  createMetrics,
  createQueue,
  ensureDefaultWorkspaces,
  type Logger,
  openStore,
  type StoreOptions,
} from "@nexus/core";
import type { AppDependencies } from "./dependencies.ts";
import { createModelGateway } from "./model-gateway.ts";

export interface OpenServicesOptions {
  logger: Logger;
  /** Overrides the store options derived from config (tests use a PostgreSQL schema each). */
  store?: StoreOptions;
  /** Prefix for Redis keys and channels; default config's NEXUS_REDIS_PREFIX, else `nexus`. */
  redisPrefix?: string;
}

/** What a server and a `nexus worker` both run on, and how to close it in the right order. */
export interface OpenedServices {
  dependencies: AppDependencies;
  storeOptions: StoreOptions;
  /** Closes the gateway, event bus, queue and store, in that order (the queue hands its jobs back). */
  close(): Promise<void>;
}

/**
 * Opens the store (migrated, default workspaces), queue, event bus, metrics and model gateway from
 * config. One place for both process kinds, so a worker runs runs with the same models, limits and
 * Redis namespace as the servers that queue them.
 */
export async function openServices(config: Config, options: OpenServicesOptions): Promise<OpenedServices> {
  const { logger } = options;
  const storeOptions: StoreOptions = options.store ?? config.database;
  const redisPrefix = options.redisPrefix ?? config.redisPrefix;
  const store = await openStore(storeOptions);
  const opened: Array<() => Promise<unknown>> = [() => store.close()];
  const close = async () => {
    for (const closeOne of opened) await closeOne();
  };
  try {
    await ensureDefaultWorkspaces(store.db);
    const queue = await createQueue({
      redisUrl: config.redisUrl,
      store,
      prefix: redisPrefix,
      // A dead worker's jobs move on after the lock runs out; look for them twice per lock.
      lockDurationMs: config.queueLockMs,
      stalledIntervalMs: Math.max(500, Math.floor(config.queueLockMs / 2)),
      onError: (error) => logger.warn({ err: error }, "queue error (recovering)"),
    });
    opened.unshift(() => queue.close(config.shutdownGraceMs));
    const events = await createEventBus({
      redisUrl: config.redisUrl,
      prefix: redisPrefix,
      onListenerError: (error) => logger.error({ err: error }, "event listener failed"),
    });
    opened.unshift(() => events.close());
    const metrics = createMetrics();
    const models = await createModelGateway(config, logger, { store, events, metrics, redisPrefix });
    opened.unshift(() => models.close());
    if (!models.config || !models.limits) throw new Error("the gateway's configuration store did not open");
    const dependencies: AppDependencies = {
      config,
      store,
      queue,
      events,
      logger,
      metrics,
      gateway: models.gateway,
      gatewayConfig: models.config,
      gatewayLimits: models.limits,
      discovery: models.discovery,
      ...(redisPrefix !== undefined ? { redisPrefix } : {}),
    };
    return { dependencies, storeOptions, close };
  } catch (error) {
    for (const closeOne of opened) await closeOne().catch(() => {});
    throw error;
  }
}
