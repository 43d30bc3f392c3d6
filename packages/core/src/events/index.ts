export type { CreateEventBusOptions } from "./create-event-bus.ts";
export { createEventBus } from "./create-event-bus.ts";
export type { ListenerErrorHandler } from "./deliver-event.ts";
export type * from "./event-bus.ts";
export type { LocalEventBusOptions } from "./local-event-bus.ts";
export { createLocalEventBus } from "./local-event-bus.ts";
export type { RedisEventBusOptions } from "./redis-event-bus.ts";
