import { Redis } from "ioredis";
import { deliverEvent, type ListenerErrorHandler, reportListenerError } from "./deliver-event.ts";
import type { EventBus, EventListener, NexusEvent } from "./event-bus.ts";
import { assertValidTopic, parseTopicPattern } from "./topic-pattern.ts";

export interface RedisEventBusOptions {
  /** `redis://` or `rediss://` URL. */
  redisUrl: string;
  /** Put before every topic to form the Redis channel; default `nexus:events:`. Tests use a random one. */
  channelPrefix?: string;
  /** Called when a listener throws or rejects, or a message cannot be read; default: stderr. */
  onListenerError?: ListenerErrorHandler;
}

/** Listeners sharing one Redis channel or pattern subscription. */
interface Channel {
  listeners: Set<{ listener: EventListener; active: boolean }>;
  /** Settles when Redis has acknowledged the (P)SUBSCRIBE. */
  ready: Promise<void>;
}

/**
 * The event bus across replicas, on Redis pub/sub: one connection publishes, one listens. Each
 * topic or pattern is subscribed once however many listeners share it; patterns use PSUBSCRIBE.
 * Events are JSON and, like all pub/sub, lost while a replica is disconnected.
 *
 * @example
 * const bus = createRedisEventBus({ redisUrl: "redis://127.0.0.1:6379" });
 * await bus.subscribe("cache.invalidate.*", (event) => cache.delete(event.payload));
 */
export function createRedisEventBus(options: RedisEventBusOptions): EventBus {
  const channelPrefix = options.channelPrefix ?? "nexus:events:";
  const onListenerError = options.onListenerError ?? reportListenerError;
  // Publishing should fail fast when Redis is gone; the subscriber reconnects and resubscribes by itself.
  const publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
  const subscriber = new Redis(options.redisUrl);
  // Failures surface on the commands that hit them; the events would only repeat them.
  publisher.on("error", () => {});
  subscriber.on("error", () => {});
  const exactChannels = new Map<string, Channel>();
  const patternChannels = new Map<string, Channel>();
  let closed = false;

  subscriber.on("message", (channel: string, message: string) =>
    dispatch(exactChannels.get(channel), message),
  );
  subscriber.on("pmessage", (pattern: string, _channel: string, message: string) =>
    dispatch(patternChannels.get(pattern), message),
  );

  function dispatch(channel: Channel | undefined, message: string): void {
    if (!channel) return;
    let event: NexusEvent;
    try {
      event = JSON.parse(message);
    } catch (error) {
      onListenerError(error, {
        topic: "(unreadable message)",
        payload: message,
        at: new Date().toISOString(),
      });
      return;
    }
    for (const entry of [...channel.listeners]) {
      if (entry.active) deliverEvent(entry.listener, event, onListenerError);
    }
  }

  function assertOpen(): void {
    if (closed) throw new Error("The event bus is closed");
  }

  return {
    kind: "redis",

    async publish(topic, payload) {
      assertOpen();
      assertValidTopic(topic);
      const event: NexusEvent = { topic, payload, at: new Date().toISOString() };
      await publisher.publish(channelPrefix + topic, JSON.stringify(event));
    },

    async subscribe<Payload>(pattern: string, listener: EventListener<Payload>) {
      assertOpen();
      const parsed = parseTopicPattern(pattern);
      const exact = parsed.kind === "exact";
      const channels = exact ? exactChannels : patternChannels;
      const key = exact ? channelPrefix + parsed.topic : `${escapeGlob(channelPrefix + parsed.prefix)}*`;
      let channel = channels.get(key);
      if (!channel) {
        const ready = exact ? subscriber.subscribe(key) : subscriber.psubscribe(key);
        channel = { listeners: new Set(), ready: ready.then(() => undefined) };
        channels.set(key, channel);
      }
      const entry = { listener: listener as EventListener, active: true };
      channel.listeners.add(entry);

      const current = channel;
      const stop = async () => {
        if (!entry.active) return;
        entry.active = false;
        current.listeners.delete(entry);
        if (current.listeners.size > 0 || channels.get(key) !== current) return;
        channels.delete(key);
        if (closed) return;
        // Commands on one connection run in order, so a later subscribe to `key` still wins.
        await (exact ? subscriber.unsubscribe(key) : subscriber.punsubscribe(key));
      };
      try {
        await current.ready;
      } catch (error) {
        await stop().catch(() => {});
        throw error;
      }
      return stop;
    },

    async ping() {
      assertOpen();
      await publisher.ping();
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const channel of [...exactChannels.values(), ...patternChannels.values()]) {
        for (const entry of channel.listeners) entry.active = false;
      }
      exactChannels.clear();
      patternChannels.clear();
      await Promise.all(
        [publisher, subscriber].map((connection) => connection.quit().catch(() => connection.disconnect())),
      );
    },
  };
}

/** Escapes Redis glob characters so a topic prefix is matched literally. */
function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, "\\$&");
}
