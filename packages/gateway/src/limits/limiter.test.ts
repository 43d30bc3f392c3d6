import { createLocalEventBus, type EventBus, getWorkspaceBySlug, type Store } from "@nexus/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteKeys } from "../../../core/src/queue/__fixtures__/redis-keys.ts";
import { openFreshStore, testRedisUrl, uniqueName } from "../../../core/src/testing/test-databases.ts";
import { ProviderError } from "../providers/provider-error.ts";
import { runLimiterContract } from "./limiter.contract.ts";
import { createLimiter } from "./limiter.ts";
import { createLimitsStore } from "./limits-store.ts";

const redis = new Redis(testRedisUrl);
afterAll(() => redis.quit());

for (const storeKind of ["sqlite", "postgres"] as const) {
  runLimiterContract("in process", storeKind, () => ({
    shared: false,
    create: (options) => createLimiter(options),
    createFresh: (options) => createLimiter(options),
  }));

  runLimiterContract("Redis", storeKind, () => {
    const prefixes = [uniqueName("nexus-limits-test")];
    return {
      shared: true,
      // Generous: this machine's two cores are shared with parallel test files.
      create: (options) =>
        createLimiter({
          ...options,
          redisUrl: testRedisUrl,
          redisPrefix: prefixes[0],
          redisCommandTimeoutMs: 10_000,
        }),
      createFresh: (options) => {
        const prefix = uniqueName("nexus-limits-test");
        prefixes.push(prefix);
        return createLimiter({
          ...options,
          redisUrl: testRedisUrl,
          redisPrefix: prefix,
          redisCommandTimeoutMs: 10_000,
        });
      },
      cleanup: async () => {
        for (const prefix of prefixes) await deleteKeys(redis, `${prefix}:*`);
      },
    };
  });
}

describe("limiter when Redis cannot be reached", () => {
  let store: Store;
  let closeStore: () => Promise<void>;
  let events: EventBus;
  let workspaceId: string;

  beforeEach(async () => {
    ({ store, close: closeStore } = await openFreshStore("sqlite"));
    workspaceId = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
    events = createLocalEventBus();
  });
  afterEach(async () => {
    await events.close();
    await closeStore();
  });

  // Nothing listens on port 1 of this machine.
  const unreachable = "redis://127.0.0.1:1";
  const estimate = { promptTokens: 5, maxOutputTokens: 5 };

  it("costs nothing when nothing is limited, lets limited requests through and reports it by default", async () => {
    const errors: unknown[] = [];
    const limiter = createLimiter({
      store,
      events,
      redisUrl: unreachable,
      whenUnavailable: "refuse",
      onError: (error) => errors.push(error),
    });
    // Refusing would show: with no rules Redis is never asked.
    await limiter.admit({ workspaceId, apiKeyId: null }, estimate);
    expect(errors).toEqual([]);
    await limiter.close();

    const allowing = createLimiter({
      store,
      events,
      redisUrl: unreachable,
      onError: (error) => errors.push(error),
    });
    const limits = createLimitsStore({ store, events });
    await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 1 });
    const started = Date.now();
    (await allowing.admit({ workspaceId, apiKeyId: null }, estimate)).settle({
      promptTokens: 1,
      completionTokens: 1,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors.length).toBeGreaterThan(0);
    await allowing.close();
    await limits.close();
  });

  it("answers 503 limiter_unavailable when told to refuse", async () => {
    const limits = createLimitsStore({ store, events });
    await limits.setWorkspaceLimits(workspaceId, { tokenBudget: { tokens: 100, period: "day" } });
    const limiter = createLimiter({
      store,
      events,
      limits,
      redisUrl: unreachable,
      whenUnavailable: "refuse",
    });
    const error = await limiter.admit({ workspaceId, apiKeyId: null }, estimate).catch((thrown) => thrown);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(503);
    expect(error.toBody().error.code).toBe("limiter_unavailable");
    await limiter.close();
    await limits.close();
  });
});
