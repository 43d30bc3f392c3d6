/**
 * core.events: fire-and-forget notifications between parts of Nexus and across replicas
 * (run progress, ingestion progress, cache invalidation). Not durable: use core.queue for work
 * that must happen. Two implementations: in-process and Redis pub/sub.
 */
export interface NexusEvent<Payload = unknown> {
  /** Dotted topic, e.g. `workflow.run.progress`. */
  topic: string;
  payload: Payload;
  /** ISO time of publication. */
  at: string;
}

export type EventListener<Payload = unknown> = (event: NexusEvent<Payload>) => void;

export interface EventBus {
  readonly kind: "local" | "redis";
  publish<Payload>(topic: string, payload: Payload): Promise<void>;
  /**
   * Listens to a topic, or to every topic under a prefix with a trailing `*`
   * (`workflow.run.*`). Returns a function that stops listening. Delivery is in publish order
   * per publisher; a listener that throws does not affect others.
   */
  subscribe<Payload>(pattern: string, listener: EventListener<Payload>): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
