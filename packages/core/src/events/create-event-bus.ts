import type { ListenerErrorHandler } from "./deliver-event.ts";
import type { EventBus } from "./event-bus.ts";
import { createLocalEventBus } from "./local-event-bus.ts";
import { createRedisEventBus } from "./redis-event-bus.ts";

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
 * const events = createEventBus({ redisUrl: config.redisUrl });
 */
export function createEventBus(options: CreateEventBusOptions = {}): EventBus {
  if (options.redisUrl) {
    return createRedisEventBus({
      redisUrl: options.redisUrl,
      channelPrefix: `${options.prefix ?? "nexus"}:events:`,
      onListenerError: options.onListenerError,
    });
  }
  return createLocalEventBus({ onListenerError: options.onListenerError });
}
