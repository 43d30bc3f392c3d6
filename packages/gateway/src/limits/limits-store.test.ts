import {
  createApiKey,
  createEventBus,
  createLocalEventBus,
  type EventBus,
  getWorkspaceBySlug,
  NexusError,
  type Store,
} from "@nexus/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFreshStore, testRedisUrl, uniqueName } from "../../../core/src/testing/test-databases.ts";
import type { Limits } from "../routing/gateway-config.ts";
import { createLimitsStore, type LimitsStore } from "./limits-store.ts";

for (const storeKind of ["sqlite", "postgres"] as const) {
  describe(`limits store on ${storeKind}`, () => {
    let store: Store;
    let closeStore: () => Promise<void>;
    let events: EventBus;
    let limits: LimitsStore;
    let workspaceId: string;
    let otherWorkspaceId: string;
    let keyId: string;
    const closers: Array<() => Promise<void>> = [];

    beforeEach(async () => {
      ({ store, close: closeStore } = await openFreshStore(storeKind));
      workspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
      otherWorkspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
      keyId = (await createApiKey(store.db, { workspaceId, role: "member" })).info.id;
      events = createLocalEventBus();
      limits = createLimitsStore({ store, events });
    });

    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
      await limits.close();
      await events.close();
      await closeStore();
    });

    it("stores, replaces and deletes the workspace rule and each key's rule", async () => {
      expect(await limits.getWorkspaceLimits(workspaceId)).toBeNull();
      const rule = await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 60 });
      expect(rule.limits).toEqual({ requestsPerMinute: 60 });
      expect(Date.parse(rule.updatedAt)).not.toBeNaN();
      const budget: Limits = { tokensPerMinute: 5_000, tokenBudget: { tokens: 100_000, period: "month" } };
      await limits.setWorkspaceLimits(workspaceId, budget);
      await limits.setKeyLimits(workspaceId, keyId, { requestsPerMinute: 5 });
      expect((await limits.getWorkspaceLimits(workspaceId))?.limits).toEqual(budget);
      expect((await limits.getKeyLimits(workspaceId, keyId))?.limits).toEqual({ requestsPerMinute: 5 });
      const rules = await limits.rulesFor(workspaceId);
      expect(rules.workspace).toEqual(budget);
      expect(rules.keys.get(keyId)).toEqual({ requestsPerMinute: 5 });
      expect((await limits.rulesFor(otherWorkspaceId)).workspace).toBeUndefined();

      expect(await limits.deleteKeyLimits(workspaceId, keyId)).toBe(true);
      expect(await limits.deleteKeyLimits(workspaceId, keyId)).toBe(false);
      expect(await limits.deleteWorkspaceLimits(workspaceId)).toBe(true);
      const after = await limits.rulesFor(workspaceId);
      expect(after.workspace).toBeUndefined();
      expect(after.keys.size).toBe(0);
    });

    it("answers 404 for a key of another workspace or none, and leaves its rule alone", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { requestsPerMinute: 5 });
      for (const attempt of [
        () => limits.getKeyLimits(otherWorkspaceId, keyId),
        () => limits.setKeyLimits(otherWorkspaceId, keyId, { requestsPerMinute: 1 }),
        () => limits.deleteKeyLimits(otherWorkspaceId, keyId),
        () => limits.getKeyLimits(workspaceId, "key_missing'; drop table gateway_limits; --"),
      ]) {
        const error = await attempt().catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(NexusError);
        expect((error as NexusError).status).toBe(404);
      }
      expect((await limits.getKeyLimits(workspaceId, keyId))?.limits).toEqual({ requestsPerMinute: 5 });
    });

    it("rejects invalid limits with a 400 that names the field", async () => {
      const bad: unknown[] = [
        {},
        { requestsPerMinute: 0 },
        { requestsPerMinute: 1.5 },
        { tokensPerMinute: "100" },
        { tokenBudget: { tokens: 10, period: "week" } },
        { requestsPerMinute: 5, burst: 10 },
        null,
      ];
      for (const limitsInput of bad) {
        const error = await limits
          .setWorkspaceLimits(workspaceId, limitsInput as Limits)
          .catch((thrown: unknown) => thrown);
        expect(error, JSON.stringify(limitsInput)).toBeInstanceOf(NexusError);
        expect((error as NexusError).status).toBe(400);
      }
      const error = (await limits
        .setWorkspaceLimits(workspaceId, { tokenBudget: { tokens: 10, period: "week" } } as unknown as Limits)
        .catch((thrown: unknown) => thrown)) as NexusError;
      expect(error.param).toBe("tokenBudget.period");
      expect(await limits.getWorkspaceLimits(workspaceId)).toBeNull();
    });

    it("reloads a stale copy in the background when a change event was missed", async () => {
      const quick = createLimitsStore({ store, events, cacheTtlMs: 20 });
      closers.push(() => quick.close());
      expect((await quick.rulesFor(workspaceId)).workspace).toBeUndefined();
      // Written behind the store's back: no event is published.
      await store.db
        .insertInto("gateway_limits")
        .values({
          workspace_id: workspaceId,
          api_key_id: "",
          limits: JSON.stringify({ requestsPerMinute: 7 }),
          updated_at: new Date().toISOString(),
        })
        .execute();
      expect((await quick.rulesFor(workspaceId)).workspace).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 40));
      await quick.rulesFor(workspaceId);
      await expect
        .poll(async () => (await quick.rulesFor(workspaceId)).workspace)
        .toEqual({ requestsPerMinute: 7 });
    });

    it("tells every replica over Redis pub/sub when a rule changes", async () => {
      const prefix = uniqueName("nexus-limits-test");
      const busA = await createEventBus({ redisUrl: testRedisUrl, prefix });
      const busB = await createEventBus({ redisUrl: testRedisUrl, prefix });
      const replicaA = createLimitsStore({ store, events: busA });
      const replicaB = createLimitsStore({ store, events: busB });
      closers.push(
        () => busA.close(),
        () => busB.close(),
        () => replicaA.close(),
        () => replicaB.close(),
      );
      expect((await replicaB.rulesFor(workspaceId)).keys.size).toBe(0);
      await replicaA.setKeyLimits(workspaceId, keyId, { tokensPerMinute: 1_000 });
      await expect
        .poll(async () => (await replicaB.rulesFor(workspaceId)).keys.get(keyId))
        .toEqual({ tokensPerMinute: 1_000 });
    });
  });
}
