import type { EventListener, NexusEvent } from "./event-bus.ts";

export type ListenerErrorHandler = (error: unknown, event: NexusEvent) => void;

export const reportListenerError: ListenerErrorHandler = (error, event) => {
  console.error(`Event listener for '${event.topic}' failed:`, error);
};

/**
 * Calls one listener, keeping its failure, thrown or (for an async listener) rejected, away
 * from the publisher and from the other listeners.
 */
export function deliverEvent(
  listener: EventListener,
  event: NexusEvent,
  onError: ListenerErrorHandler,
): void {
  try {
    const returned: unknown = listener(event);
    if (returned instanceof Promise) returned.catch((error: unknown) => onError(error, event));
  } catch (error) {
    onError(error, event);
  }
}

/**
 * The payload as a subscriber on another replica would see it after JSON, so code that works
 * with the in-process bus keeps working on Redis (a Date arrives as a string on both).
 */
export function asTransmitted<Payload>(payload: Payload): Payload {
  return payload === undefined ? payload : JSON.parse(JSON.stringify(payload));
}
