import type { Store } from "@nexus/core";
import { sql } from "kysely";

/** Names one budget's spend: a workspace's ('' scope) or one key's, in one period. */
export interface BudgetScope {
  workspaceId: string;
  /** The key id, or '' for the workspace's own budget. */
  scope: string;
  /** `YYYY-MM-DD` or `YYYY-MM`. */
  period: string;
}

/**
 * The durable side of token budgets: settled tokens are added to `gateway_budget_spend` in
 * batches (so a restart keeps the spend), and the stored spend seeds a budget's counter the
 * first time this process, or Redis after losing the key, sees it. Additions are increments, so
 * replicas writing the same row never overwrite each other.
 */
export interface BudgetSpendLedger {
  /** The stored spend plus this process's unwritten additions; cached, refreshed after `seedTtlMs`. */
  storedSpend(budget: BudgetScope): Promise<number>;
  /** Counts settled tokens; written at the next flush. */
  add(budget: BudgetScope, tokens: number): void;
  flush(): Promise<void>;
  /** Writes what is left and stops the timer. */
  close(): Promise<void>;
}

interface Seed {
  value: number;
  loadedAt: number;
  loading?: Promise<number>;
}

export function createBudgetSpendLedger(options: {
  store: Store;
  flushIntervalMs?: number;
  seedTtlMs?: number;
  onError?(error: unknown): void;
}): BudgetSpendLedger {
  const { store } = options;
  const seedTtlMs = options.seedTtlMs ?? 60_000;
  const pending = new Map<string, { budget: BudgetScope; tokens: number }>();
  const seeds = new Map<string, Seed>();
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1_000);
  timer.unref();

  function keyOf(budget: BudgetScope): string {
    return `${budget.workspaceId}\n${budget.scope}\n${budget.period}`;
  }

  function loadSeed(key: string, budget: BudgetScope, seed: Seed): Promise<number> {
    seed.loading ??= readBudgetSpend(store, budget)
      .then((value) => {
        seed.value = value;
        seed.loadedAt = Date.now();
        return value;
      })
      .finally(() => {
        seed.loading = undefined;
      });
    seeds.set(key, seed);
    return seed.loading;
  }

  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      if (pending.size === 0) return;
      const batch = [...pending.values()];
      pending.clear();
      const updatedAt = new Date().toISOString();
      try {
        for (let entry = batch[0]; entry !== undefined; entry = batch[0]) {
          const { budget, tokens } = entry;
          await store.db
            .insertInto("gateway_budget_spend")
            .values({
              workspace_id: budget.workspaceId,
              api_key_id: budget.scope,
              period: budget.period,
              tokens,
              updated_at: updatedAt,
            })
            .onConflict((conflict) =>
              conflict.columns(["workspace_id", "api_key_id", "period"]).doUpdateSet({
                tokens: sql`gateway_budget_spend.tokens + excluded.tokens`,
                updated_at: updatedAt,
              }),
            )
            .execute();
          const seed = seeds.get(keyOf(budget));
          if (seed) seed.value += tokens;
          // Dropped only once written, so a failure below re-queues just the unwritten rest.
          batch.shift();
        }
      } catch (error) {
        // Kept for the next flush: nothing settled is lost while the store is away.
        for (const { budget, tokens } of batch) addPending(budget, tokens);
        options.onError?.(error);
      }
    });
    return flushing;
  }

  function addPending(budget: BudgetScope, tokens: number): void {
    const key = keyOf(budget);
    const entry = pending.get(key);
    if (entry) entry.tokens += tokens;
    else pending.set(key, { budget, tokens });
  }

  return {
    async storedSpend(budget) {
      const key = keyOf(budget);
      const seed = seeds.get(key);
      const unwritten = pending.get(key)?.tokens ?? 0;
      if (!seed) {
        return (await loadSeed(key, budget, { value: 0, loadedAt: 0 })) + unwritten;
      }
      if (Date.now() - seed.loadedAt > seedTtlMs && !seed.loading) {
        loadSeed(key, budget, seed).catch((error) => options.onError?.(error));
      }
      return seed.value + unwritten;
    },
    add(budget, tokens) {
      if (tokens > 0) addPending(budget, tokens);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** Tokens stored as spent against one budget in one period. */
export async function readBudgetSpend(store: Store, budget: BudgetScope): Promise<number> {
  const row = await store.db
    .selectFrom("gateway_budget_spend")
    .select("tokens")
    .where("workspace_id", "=", budget.workspaceId)
    .where("api_key_id", "=", budget.scope)
    .where("period", "=", budget.period)
    .executeTakeFirst();
  return Number(row?.tokens ?? 0);
}
