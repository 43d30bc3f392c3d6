import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testRedisUrl } from "../testing/test-databases.ts";
import { runEventBusContract } from "./event-bus.contract.ts";
import type { EventBus, NexusEvent } from "./event-bus.ts";
import { createRedisEventBus } from "./redis-event-bus.ts";

const redisUrl = testRedisUrl;

describe("Redis event bus", () => {
  // Pub/sub leaves no keys behind; a random channel prefix per test is all the isolation needed.
  let channelPrefix = "";

  beforeEach(() => {
    channelPrefix = `nexus-test-${randomBytes(6).toString("hex")}:`;
  });

  runEventBusContract("Redis", {
    create: async ({ onListenerError }) => createRedisEventBus({ redisUrl, channelPrefix, onListenerError }),
  });

  describe("across replicas", () => {
    const buses: EventBus[] = [];

    function open(prefix = channelPrefix): EventBus {
      const bus = createRedisEventBus({ redisUrl, channelPrefix: prefix });
      buses.push(bus);
      return bus;
    }

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    it("delivers each replica's events to the other, and nothing across prefixes", async () => {
      const first = open();
      const second = open();
      const elsewhere = open(`${channelPrefix}other:`);
      const seenByFirst: NexusEvent[] = [];
      const seenBySecond: NexusEvent[] = [];
      const seenElsewhere: NexusEvent[] = [];
      await first.subscribe("run.*", (event) => seenByFirst.push(event));
      await second.subscribe("run.*", (event) => seenBySecond.push(event));
      await elsewhere.subscribe("*", (event) => seenElsewhere.push(event));

      await first.publish("run.progress", { from: "first" });
      await second.publish("run.progress", { from: "second" });

      await waitUntil(() => seenByFirst.length === 2 && seenBySecond.length === 2);
      expect(seenByFirst.map((event) => event.payload)).toEqual([{ from: "first" }, { from: "second" }]);
      expect(seenBySecond.map((event) => event.payload)).toEqual([{ from: "first" }, { from: "second" }]);
      expect(seenElsewhere).toEqual([]);
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
