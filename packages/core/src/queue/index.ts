export type { BullmqQueueOptions } from "./bullmq-queue.ts";
export type { CreateQueueOptions } from "./create-queue.ts";
export { createQueue } from "./create-queue.ts";
export type { LocalQueueOptions } from "./local-queue.ts";
export { createLocalQueue } from "./local-queue.ts";
export type * from "./queue.ts";
