import {
  createApiKey,
  createLocalEventBus,
  type EventBus,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Store,
  type StoreOptions,
} from "@nexus/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { ProviderError } from "../providers/provider-error.ts";
import { readBudgetSpend } from "./budget-spend.ts";
import type { Limiter, LimiterOptions } from "./limiter.ts";
import { createLimitsStore, type LimitsStore } from "./limits-store.ts";

export interface LimiterHarness {
  /** A limiter over the given store and bus; `replica` picks one of two that share their counters. */
  create(options: Omit<LimiterOptions, "redisUrl">, replica?: 0 | 1): Limiter;
  /** Counters that start empty (a new Redis prefix), as after losing Redis; the same as `create` in process. */
  createFresh(options: Omit<LimiterOptions, "redisUrl">): Limiter;
  /** Whether two limiters share counters (Redis), so replicas enforce one limit. */
  shared: boolean;
  /** Removes what the test left behind (Redis keys). */
  cleanup?(): Promise<void>;
}

const noon = Date.UTC(2025, 0, 15, 12, 0, 0);

/** The behaviour every limiter backend (in process, Redis) must show, on the given store. */
export function runLimiterContract(
  name: string,
  storeKind: "sqlite" | "postgres",
  harness: () => LimiterHarness,
): void {
  describe(`limiter contract: ${name} on ${storeKind}`, () => {
    let store: Store;
    let events: EventBus;
    let limits: LimitsStore;
    let drop: () => Promise<void>;
    let storeOptions: StoreOptions;
    let workspaceId: string;
    let keyId: string;
    let otherKeyId: string;
    let clock: number;
    let current: LimiterHarness;
    const open: Limiter[] = [];

    const now = () => clock;
    // A counter failure lets requests through unlimited; it must never be what a test observed.
    let counterErrors: unknown[] = [];
    const onError = (error: unknown) => counterErrors.push(error);
    function limiter(replica: 0 | 1 = 0, extra: Partial<LimiterOptions> = {}): Limiter {
      const created = current.create({ store, events, limits, now, onError, ...extra }, replica);
      open.push(created);
      return created;
    }

    beforeEach(async () => {
      counterErrors = [];
      current = harness();
      clock = noon;
      const fresh = freshStoreOptions(storeKind);
      drop = fresh.drop;
      storeOptions = fresh.options;
      store = await openStore(storeOptions);
      await ensureDefaultWorkspaces(store.db);
      workspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
      keyId = (await createApiKey(store.db, { workspaceId, role: "member" })).info.id;
      otherKeyId = (await createApiKey(store.db, { workspaceId, role: "member" })).info.id;
      events = createLocalEventBus();
      limits = createLimitsStore({ store, events });
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((created) => created.close()));
      await current.cleanup?.();
      expect(counterErrors).toEqual([]);
      await limits.close();
      await events.close();
      await store.close();
      await drop();
    });

    const asKey = (id: string | null = keyId) => ({ workspaceId, apiKeyId: id });
    const small = { promptTokens: 10, maxOutputTokens: 10 };

    async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
      const error = await promise.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ProviderError);
      return error as ProviderError;
    }

    it("lets everything through without touching the store when nothing is limited", async () => {
      const own = await openStore(storeOptions);
      // Refusing when the store or Redis fails: a per-request lookup would show as a 503 here.
      const created = current.create({ store: own, events, now, onError, whenUnavailable: "refuse" });
      open.push(created);
      await created.admit(asKey(), small);
      // That store is closed: any per-request read or write would now fail.
      await own.close();
      const admissions = await Promise.all(
        Array.from({ length: 50 }, () => created.admit(asKey(), { promptTokens: 1e9, maxOutputTokens: 1e9 })),
      );
      for (const admission of admissions) admission.settle({ promptTokens: 1e9, completionTokens: 1e9 });
    });

    it("refuses the request over requests per minute with 429, which limit and when to retry", async () => {
      await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 3 });
      const created = limiter();
      for (let index = 0; index < 3; index++) await created.admit(asKey(), small);
      const error = await refusal(created.admit(asKey(), small));
      expect(error.status).toBe(429);
      expect(error.toBody().error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
      expect(error.message).toMatch(/the workspace: 3 requests per minute/);
      expect(error.options.retryAfterSeconds).toBe(20);
      expect(error.retryable).toBe(false);
      clock += 20_000;
      await created.admit(asKey(), small);
      await refusal(created.admit(asKey(), small));
    });

    it("applies a key's rule to that key only, and the workspace rule to every caller", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { requestsPerMinute: 2 });
      await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 4 });
      const created = limiter();
      await created.admit(asKey(), small);
      await created.admit(asKey(), small);
      const error = await refusal(created.admit(asKey(), small));
      expect(error.message).toContain(`API key '${keyId}'`);
      await created.admit(asKey(otherKeyId), small);
      await created.admit(asKey(null), small);
      expect((await refusal(created.admit(asKey(otherKeyId), small))).message).toContain("the workspace");
    });

    it("takes nothing from any counter when one of them refuses", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { tokensPerMinute: 1_000 });
      await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 1 });
      const created = limiter();
      await created.admit(asKey(null), small);
      await refusal(created.admit(asKey(), { promptTokens: 500, maxOutputTokens: 500 }));
      await limits.deleteWorkspaceLimits(workspaceId);
      // The refused request reserved none of the key's 1 000 tokens.
      await created.admit(asKey(), { promptTokens: 500, maxOutputTokens: 500 });
    });

    it("reserves tokens per minute at admission and trues them up at settle", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { tokensPerMinute: 1_000 });
      const created = limiter();
      const first = await created.admit(asKey(), { promptTokens: 100, maxOutputTokens: 500 });
      const error = await refusal(created.admit(asKey(), { promptTokens: 100, maxOutputTokens: 500 }));
      expect(error.message).toMatch(/1,000 tokens per minute \(this request reserves 600\)/);
      expect(error.options.retryAfterSeconds).toBe(12);
      first.settle({ promptTokens: 90, completionTokens: 10 });
      await settled();
      await created.admit(asKey(), { promptTokens: 100, maxOutputTokens: 500 });
    });

    it("admits a request larger than a minute's tokens on a full bucket, then makes later ones wait", async () => {
      await limits.setWorkspaceLimits(workspaceId, { tokensPerMinute: 1_000 });
      const created = limiter();
      const large = await created.admit(asKey(), { promptTokens: 4_000, maxOutputTokens: 1_000 });
      large.settle({ promptTokens: 2_000, completionTokens: 1_000 });
      await settled();
      const error = await refusal(created.admit(asKey(), small));
      // 2 000 tokens overdrawn plus this request's 20, refilling at 1 000 a minute.
      expect(error.options.retryAfterSeconds).toBe(122);
      clock += 122_000;
      await created.admit(asKey(), small);
    });

    it("never overspends a token budget under 200 parallel requests", async () => {
      const budget = 10_000;
      await limits.setWorkspaceLimits(workspaceId, { tokenBudget: { tokens: budget, period: "day" } });
      const replicas = current.shared ? [limiter(0), limiter(1)] : [limiter(0)];
      const estimate = { promptTokens: 100, maxOutputTokens: 200 };
      let used = 0;
      let admitted = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: 200 }, async (_, index) => {
          await sleep(index % 20);
          const replica = replicas[index % replicas.length] as Limiter;
          try {
            const admission = await replica.admit(asKey(), estimate);
            admitted += 1;
            await sleep(index % 7);
            const completionTokens = (index * 37) % 201;
            used += 100 + completionTokens;
            admission.settle({ promptTokens: 100, completionTokens });
          } catch (error) {
            expect((error as ProviderError).toBody().error.code).toBe("budget_exceeded");
            refused += 1;
          }
        }),
      );
      expect(admitted + refused).toBe(200);
      expect(admitted).toBeGreaterThan(10);
      expect(refused).toBeGreaterThan(0);
      // Only the request that took the last tokens can go over, by its unreserved output at most.
      expect(used).toBeLessThanOrEqual(budget + 300);
      expect(used).toBeGreaterThan(budget / 2);
      await Promise.all(open.splice(0).map((created) => created.close()));
      expect(await readBudgetSpend(store, { workspaceId, scope: "", period: "2025-01-15" })).toBe(used);
    });

    it("keeps a budget's spend across a restart and resets it at the next UTC day", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { tokenBudget: { tokens: 1_000, period: "day" } });
      const before = limiter();
      (await before.admit(asKey(), { promptTokens: 300, maxOutputTokens: 300 })).settle({
        promptTokens: 300,
        completionTokens: 300,
      });
      await settled();
      await before.close();
      // A restart, with counters that start empty (Redis lost its keys too).
      const after = current.createFresh({ store, events, limits, now, onError });
      open.push(after);
      const error = await refusal(after.admit(asKey(), { promptTokens: 450, maxOutputTokens: 50 }));
      expect(error.toBody().error.code).toBe("budget_exceeded");
      expect(error.message).toMatch(
        /1,000 tokens per day \(UTC\), 400 left .* needs at least 451\. It resets at 2025-01-16T00:00:00.000Z/,
      );
      expect(error.options.retryAfterSeconds).toBe(12 * 3600);
      await after.admit(asKey(), { promptTokens: 200, maxOutputTokens: 200 });
      await refusal(after.admit(asKey(), { promptTokens: 0, maxOutputTokens: 0 }));
      clock = Date.UTC(2025, 0, 16, 0, 0, 1);
      await after.admit(asKey(), { promptTokens: 500, maxOutputTokens: 500 });
    });

    it("gives reserved tokens back on cancel, and counts only the first settle or cancel", async () => {
      await limits.setWorkspaceLimits(workspaceId, { tokenBudget: { tokens: 1_000, period: "month" } });
      const created = limiter();
      const cancelled = await created.admit(asKey(), { promptTokens: 400, maxOutputTokens: 400 });
      cancelled.cancel();
      cancelled.settle({ promptTokens: 400, completionTokens: 400 });
      await settled();
      const kept = await created.admit(asKey(), { promptTokens: 400, maxOutputTokens: 400 });
      kept.settle({ promptTokens: 100, completionTokens: 100 });
      kept.settle({ promptTokens: 400, completionTokens: 400 });
      kept.cancel();
      await settled();
      await created.admit(asKey(), { promptTokens: 400, maxOutputTokens: 300 });
      const error = await refusal(created.admit(asKey(), { promptTokens: 200, maxOutputTokens: 200 }));
      expect(error.message).toMatch(/per month .* 100 left/);
    });

    it("lets the request that takes a budget's last tokens through and holds the rest until it settles", async () => {
      await limits.setWorkspaceLimits(workspaceId, { tokenBudget: { tokens: 1_000, period: "day" } });
      const created = limiter();
      // More than the whole budget may be generated, but the prompt fits: admitted, reserving all 1 000.
      const large = await created.admit(asKey(), { promptTokens: 100, maxOutputTokens: 2_000 });
      const error = await refusal(created.admit(asKey(), small));
      expect(error.message).toMatch(
        /0 left \(counting requests still running\) and this request needs at least 11/,
      );
      large.settle({ promptTokens: 100, completionTokens: 200 });
      await settled();
      await created.admit(asKey(), { promptTokens: 600, maxOutputTokens: 100 });
    });

    it("reserves at most maxReservedOutputTokens of output for a request without a max", async () => {
      await limits.setKeyLimits(workspaceId, keyId, { tokensPerMinute: 20_000 });
      const created = limiter();
      const unbounded = { promptTokens: 10, maxOutputTokens: Number.MAX_SAFE_INTEGER };
      await created.admit(asKey(), unbounded);
      const error = await refusal(created.admit(asKey(), unbounded));
      expect(error.message).toContain("this request reserves 16,394");
    });

    it("sees a rule set after a cached 'no limits' answer at once", async () => {
      const created = limiter();
      await created.admit(asKey(), small);
      const elsewhere = createLimitsStore({ store, events });
      await elsewhere.setKeyLimits(workspaceId, keyId, { requestsPerMinute: 1 });
      await elsewhere.close();
      await created.admit(asKey(), small);
      await refusal(created.admit(asKey(), small));
    });

    it("treats nonsense estimates and usage as zero tokens and still counts the request", async () => {
      await limits.setWorkspaceLimits(workspaceId, {
        requestsPerMinute: 2,
        tokenBudget: { tokens: 10, period: "day" },
      });
      const created = limiter();
      const admission = await created.admit(asKey(), { promptTokens: Number.NaN, maxOutputTokens: -5 });
      admission.settle({ promptTokens: Number.POSITIVE_INFINITY, completionTokens: -1 });
      await created.admit(asKey(), { promptTokens: 1, maxOutputTokens: 0 });
      expect((await refusal(created.admit(asKey(), small))).message).toMatch(/2 requests per minute/);
    });

    it.runIf(harness().shared)("enforces one limit across two replicas", async () => {
      await limits.setWorkspaceLimits(workspaceId, { requestsPerMinute: 10 });
      const replicas = [limiter(0), limiter(1)];
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, index) => (replicas[index % 2] as Limiter).admit(asKey(), small)),
      );
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(10);
    });
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Settles and cancels adjust counters in the background; one short pause lets them land. */
function settled(): Promise<void> {
  return sleep(30);
}
