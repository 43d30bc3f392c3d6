import {
  asTransmitted,
  deliverEvent,
  type ListenerErrorHandler,
  reportListenerError,
} from "./deliver-event.ts";
import type { EventBus, EventListener, NexusEvent } from "./event-bus.ts";
import { assertValidTopic, matchesTopic, parseTopicPattern, type TopicPattern } from "./topic-pattern.ts";

export interface LocalEventBusOptions {
  /** Called when a listener throws or rejects; default: stderr. */
  onListenerError?: ListenerErrorHandler;
}

interface Subscription {
  pattern: TopicPattern;
  listener: EventListener;
  active: boolean;
}

/**
 * The event bus within one process, for a single Nexus instance. Listeners run synchronously
 * inside `publish`; an event published by a listener waits until the current event has reached
 * every listener, so all listeners see events in publish order.
 *
 * @example
 * const bus = createLocalEventBus();
 * const stop = await bus.subscribe("workflow.run.*", (event) => console.log(event.topic, event.payload));
 * await bus.publish("workflow.run.progress", { runId: "run_1", step: 2 });
 * await stop();
 */
export function createLocalEventBus(options: LocalEventBusOptions = {}): EventBus {
  const onListenerError = options.onListenerError ?? reportListenerError;
  const subscriptions = new Set<Subscription>();
  const pending: NexusEvent[] = [];
  let delivering = false;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error("The event bus is closed");
  }

  function deliverPending(): void {
    if (delivering) return;
    delivering = true;
    try {
      for (let event = pending.shift(); event !== undefined; event = pending.shift()) {
        for (const subscription of [...subscriptions]) {
          if (subscription.active && matchesTopic(subscription.pattern, event.topic)) {
            deliverEvent(subscription.listener, event, onListenerError);
          }
        }
      }
    } finally {
      delivering = false;
    }
  }

  return {
    kind: "local",

    async publish(topic, payload) {
      assertOpen();
      assertValidTopic(topic);
      pending.push({ topic, payload: asTransmitted(payload), at: new Date().toISOString() });
      deliverPending();
    },

    async subscribe<Payload>(pattern: string, listener: EventListener<Payload>) {
      assertOpen();
      const subscription: Subscription = {
        pattern: parseTopicPattern(pattern),
        listener: listener as EventListener,
        active: true,
      };
      subscriptions.add(subscription);
      return async () => {
        subscription.active = false;
        subscriptions.delete(subscription);
      };
    },

    async ping() {
      assertOpen();
    },

    async close() {
      closed = true;
      for (const subscription of subscriptions) subscription.active = false;
      subscriptions.clear();
      pending.length = 0;
    },
  };
}
