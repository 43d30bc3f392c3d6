import type { ListenerErrorHandler } from "./deliver-event.ts";
import type { EventBus } from "./event-bus.ts";
import { createLocalEventBus } from "./local-event-bus.ts";

export interface CreateEventBusOptions {
  /** Set: Redis pub/sub, shared by every replica. Unset: in-process only. */
  redisUrl?: string;
  /** Redis only: namespace shared with the queue's keys; channels are `<prefix>:events:<topic>`. Default `nexus`. */
  prefix?: string;
  /** Called when a listener throws or rejects; default: stderr. */
  onListenerError?: ListenerErrorHandler;
}

/**
 * The event bus Nexus runs on: Redis pub/sub when a Redis URL is configured, else in-process.
 *
 * @example
 * const events = await createEventBus({ redisUrl: config.redisUrl });
 */
export async function createEventBus(options: CreateEventBusOptions = {}): Promise<EventBus> {
  if (options.redisUrl) {
    // Loaded on demand so a laptop start never pays for ioredis.
    const { createRedisEventBus } = await import("./redis-event-bus.ts");
    return createRedisEventBus({
      redisUrl: options.redisUrl,
      channelPrefix: `${options.prefix ?? "nexus"}:events:`,
      onListenerError: options.onListenerError,
    });
  }
  return createLocalEventBus({ onListenerError: options.onListenerError });
}
