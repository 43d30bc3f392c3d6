import { afterEach, describe, expect, it } from "vitest";
import type { ListenerErrorHandler } from "./deliver-event.ts";
import type { EventBus, NexusEvent } from "./event-bus.ts";

export interface EventBusContractOptions {
  /**
   * Opens a new bus on the current test's isolated channel space (a random Redis channel
   * prefix), reporting listener failures to `onListenerError`. The suite closes every bus it
   * opened after each test.
   */
  create: (options: { onListenerError: ListenerErrorHandler }) => Promise<EventBus>;
}

/** The behaviour every EventBus implementation must show; call it from each implementation's test. */
export function runEventBusContract(name: string, { create }: EventBusContractOptions): void {
  describe(`EventBus contract: ${name}`, () => {
    const opened: EventBus[] = [];
    const listenerErrors: unknown[] = [];

    async function open(): Promise<EventBus> {
      const bus = await create({ onListenerError: (error) => listenerErrors.push(error) });
      opened.push(bus);
      return bus;
    }

    afterEach(async () => {
      listenerErrors.length = 0;
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });

    it("delivers an event to the subscribers of its topic", async () => {
      const bus = await open();
      const received: NexusEvent[] = [];
      await bus.subscribe("workflow.run.progress", (event) => received.push(event));
      const publishedAt = Date.now();
      await bus.publish("workflow.run.other", { ignored: true });
      await bus.publish("workflow.run.progress", { runId: "run_1", step: 2 });

      await waitUntil(() => received.length >= 1);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        topic: "workflow.run.progress",
        payload: { runId: "run_1", step: 2 },
      });
      expect(Math.abs(Date.parse(received[0]?.at ?? "") - publishedAt)).toBeLessThan(5_000);
    });

    it("delivers every topic under a prefix to a pattern subscriber", async () => {
      const bus = await open();
      const underRun: string[] = [];
      const everything: string[] = [];
      await bus.subscribe("workflow.run.*", (event) => underRun.push(event.topic));
      await bus.subscribe("*", (event) => everything.push(event.topic));
      for (const topic of [
        "workflow.run.progress",
        "workflow.runner",
        "workflow.run.step.done",
        "ingestion.done",
      ]) {
        await bus.publish(topic, {});
      }

      await waitUntil(() => everything.length === 4);
      await waitUntil(() => underRun.length === 2);
      expect(underRun).toEqual(["workflow.run.progress", "workflow.run.step.done"]);
      expect(everything).toEqual([
        "workflow.run.progress",
        "workflow.runner",
        "workflow.run.step.done",
        "ingestion.done",
      ]);
    });

    it("stops delivering to a listener once it unsubscribes", async () => {
      const bus = await open();
      const stopped: unknown[] = [];
      const kept: unknown[] = [];
      const stop = await bus.subscribe("cache.invalidate", (event) => stopped.push(event.payload));
      await bus.subscribe("cache.invalidate", (event) => kept.push(event.payload));
      await bus.publish("cache.invalidate", 1);
      await waitUntil(() => stopped.length === 1 && kept.length === 1);

      await stop();
      await bus.publish("cache.invalidate", 2);
      await waitUntil(() => kept.length === 2);
      expect(stopped).toEqual([1]);
      expect(kept).toEqual([1, 2]);
    });

    it("keeps delivering to other listeners when one throws", async () => {
      const bus = await open();
      const received: unknown[] = [];
      await bus.subscribe("jobs.done", () => {
        throw new Error("listener bug");
      });
      await bus.subscribe("jobs.*", async () => {
        throw new Error("async listener bug");
      });
      await bus.subscribe("jobs.done", (event) => received.push(event.payload));
      await bus.publish("jobs.done", "first");
      await bus.publish("jobs.done", "second");

      await waitUntil(() => received.length === 2 && listenerErrors.length === 4);
      expect(received).toEqual(["first", "second"]);
      expect(listenerErrors.map((error) => (error as Error).message).sort()).toEqual([
        "async listener bug",
        "async listener bug",
        "listener bug",
        "listener bug",
      ]);
    });

    it("delivers events in the order they were published", async () => {
      const bus = await open();
      const received: number[] = [];
      await bus.subscribe("sequence.*", (event) => received.push(event.payload as number));
      // Not awaited one by one: order must hold for publishes in flight together.
      await Promise.all(
        Array.from({ length: 200 }, (_, index) => bus.publish(`sequence.${index % 3}`, index)),
      );

      await waitUntil(() => received.length === 200);
      expect(received).toEqual(Array.from({ length: 200 }, (_, index) => index));
    });

    it("delivers payloads as JSON would carry them", async () => {
      const bus = await open();
      const received: unknown[] = [];
      await bus.subscribe("json.check", (event) => received.push(event.payload));
      await bus.publish("json.check", { when: new Date(0), nested: { list: [1, "two", null] } });

      await waitUntil(() => received.length === 1);
      expect(received[0]).toEqual({ when: "1970-01-01T00:00:00.000Z", nested: { list: [1, "two", null] } });
    });

    it("rejects malformed topics and patterns", async () => {
      const bus = await open();
      await expect(bus.publish("", {})).rejects.toThrow(/topic/);
      await expect(bus.publish("workflow.*", {})).rejects.toThrow(/topic/);
      await expect(bus.subscribe("workflow.*.progress", () => {})).rejects.toThrow(/pattern/);
    });

    it("answers ping while open and refuses work once closed", async () => {
      const bus = await open();
      const received: unknown[] = [];
      await bus.subscribe("after.close", (event) => received.push(event.payload));
      await bus.ping();

      await bus.close();
      await expect(bus.ping()).rejects.toThrow();
      await expect(bus.publish("after.close", 1)).rejects.toThrow();
      await expect(bus.subscribe("after.close", () => {})).rejects.toThrow();
      await bus.close();
      expect(received).toEqual([]);
    });
  });
}

async function waitUntil(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
