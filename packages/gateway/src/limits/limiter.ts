import type { EventBus, Store } from "@nexus/core";
import type { RequestContext } from "../request-context.ts";
import type { Limits } from "../routing/gateway-config.ts";
import { budgetPeriod } from "./budget-period.ts";
import { type BudgetScope, createBudgetSpendLedger } from "./budget-spend.ts";
import type { Charge, LimitCounters, Reservation } from "./limit-counters.ts";
import { type ChargeMeaning, limitExceeded, limiterUnavailable } from "./limit-errors.ts";
import { createLimitsStore, type LimitsStore, type WorkspaceRules } from "./limits-store.ts";
import { createMemoryLimitCounters } from "./memory-limit-counters.ts";
import { createRedisLimitCounters } from "./redis-limit-counters.ts";

/** A request let through: settle it with the real token counts, or cancel it when none were used. */
export interface Admission {
  /** Trues the reservation up to what the request used. Only the first settle or cancel counts. */
  settle(used: { promptTokens: number; completionTokens: number }): void;
  /** Releases the token reservation (a cache hit, or a failure before the upstream answered); the request still counts per minute. */
  cancel(): void;
}

export interface Limiter {
  /**
   * Reserves the request's tokens against every limit of its workspace and key, or throws a
   * ProviderError 429 (`rate_limit_error`, code `rate_limit_exceeded` or `budget_exceeded`, with
   * `retryAfterSeconds`) naming the limit. Free of store and Redis work when neither has limits.
   */
  admit(
    context: Pick<RequestContext, "workspaceId" | "apiKeyId">,
    estimate: { promptTokens: number; maxOutputTokens: number },
  ): Promise<Admission>;
  /** Writes unsaved budget spend and closes connections; call once requests have stopped. */
  close(): Promise<void>;
}

export interface LimiterOptions {
  store: Store;
  events: EventBus;
  /** Set: counters live in Redis, so every replica enforces one limit. Unset: counters in this process. */
  redisUrl?: string;
  /** Redis key prefix; default `nexus`. */
  redisPrefix?: string;
  /** A Redis command slower than this counts as Redis being unavailable; default 1 000 ms. */
  redisCommandTimeoutMs?: number;
  /** Share the routes' limits store; by default the limiter opens its own (kept in step by events). */
  limits?: LimitsStore;
  /** Output tokens reserved at most per request when its max is larger (or absent); default 16 384. */
  maxReservedOutputTokens?: number;
  /** Redis unreachable: `allow` lets requests through unlimited (default), `refuse` answers 503. */
  whenUnavailable?: "allow" | "refuse";
  /** Told about counter and store failures (the limiter itself never throws them at a request). */
  onError?(error: unknown): void;
  /** Budget spend is written this often; default 1 000 ms. */
  flushIntervalMs?: number;
  now?: () => number;
}

const unlimited: Admission = { settle() {}, cancel() {} };

/**
 * The gateway's limiter: requests and tokens per minute as continuously refilling buckets (see
 * limit-counters.ts) and token budgets per UTC day or month, for the workspace and for the key.
 * Tokens are reserved at admission (prompt estimate + max output tokens, capped) and trued up at
 * settle. Check and reservation are one atomic step, so parallel requests cannot all pass a check
 * before any of them counts: a budget is overspent by at most the one request that took its last
 * tokens (plus whatever requests use beyond their estimate).
 *
 * @example
 * const limiter = createLimiter({ store, events, redisUrl: config.redisUrl });
 * const admission = await limiter.admit(context, { promptTokens: estimatePromptTokens(request), maxOutputTokens: 512 });
 * try { const reply = await call(); admission.settle({ promptTokens: 12, completionTokens: 80 }); }
 * catch (error) { admission.cancel(); throw error; }
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const maxReservedOutput = options.maxReservedOutputTokens ?? 16_384;
  const ownLimits = options.limits ? undefined : createLimitsStore(options);
  const limits = options.limits ?? (ownLimits as LimitsStore);
  const ledger = createBudgetSpendLedger({
    store: options.store,
    flushIntervalMs: options.flushIntervalMs,
    onError,
  });
  const counters: LimitCounters = options.redisUrl
    ? createRedisLimitCounters({
        redisUrl: options.redisUrl,
        prefix: options.redisPrefix,
        commandTimeoutMs: options.redisCommandTimeoutMs,
      })
    : createMemoryLimitCounters({ now });

  interface Planned {
    charges: Charge[];
    meanings: ChargeMeaning[];
    budgets: Array<BudgetScope | undefined>;
  }

  async function plan(
    workspaceId: string,
    scopes: Array<{ id: string; label: string; limits: Limits }>,
    tokens: { reserve: number; minimum: number },
    at: number,
  ): Promise<Planned> {
    const planned: Planned = { charges: [], meanings: [], budgets: [] };
    for (const { id, label, limits } of scopes) {
      // The workspace id as a hash tag keeps one request's Redis keys in one cluster slot.
      const base = `{${workspaceId}}:${id === "" ? "workspace" : `key:${id}`}`;
      const add = (
        charge: Omit<Charge, "seed" | "expiresAt" | "minimum"> & Partial<Charge>,
        meaning: ChargeMeaning,
      ) => {
        planned.charges.push({ seed: 0, expiresAt: 0, minimum: charge.amount, ...charge });
        planned.meanings.push(meaning);
        planned.budgets.push(undefined);
      };
      if (limits.requestsPerMinute) {
        add(
          { key: `${base}:rpm`, kind: "rate", limit: limits.requestsPerMinute, amount: 1 },
          { scope: label, limit: "requestsPerMinute" },
        );
      }
      if (limits.tokensPerMinute) {
        // Never more than a full bucket, so one large request still fits once the bucket is full.
        const amount = Math.min(tokens.reserve, limits.tokensPerMinute);
        add(
          { key: `${base}:tpm`, kind: "rate", limit: limits.tokensPerMinute, amount },
          { scope: label, limit: "tokensPerMinute" },
        );
      }
      if (limits.tokenBudget) {
        const { tokens: allowed, period: kind } = limits.tokenBudget;
        const period = budgetPeriod(kind, at);
        const budget: BudgetScope = { workspaceId, scope: id, period: period.key };
        const seed = await ledger.storedSpend(budget);
        add(
          {
            key: `${base}:budget:${period.key}`,
            kind: "budget",
            limit: allowed,
            amount: tokens.reserve,
            minimum: tokens.minimum,
            seed,
            // A day past the period's end, for settles of requests admitted just before it.
            expiresAt: period.endsAt + 86_400_000,
          },
          { scope: label, limit: "tokenBudget", period: { kind, endsAt: period.endsAt } },
        );
        planned.budgets[planned.budgets.length - 1] = budget;
      }
    }
    return planned;
  }

  function admission(planned: Planned, reserved: number[]): Admission {
    let done = false;
    const finish = (usedTokens: number | undefined) => {
      if (done) return;
      done = true;
      const adjustments: Array<{ charge: Charge; delta: number }> = [];
      for (const [index, charge] of planned.charges.entries()) {
        const budget = planned.budgets[index];
        if (budget && usedTokens !== undefined) ledger.add(budget, usedTokens);
        // A request counts against requests per minute whether or not it used tokens.
        if (planned.meanings[index]?.limit === "requestsPerMinute") continue;
        const delta = (usedTokens ?? 0) - (reserved[index] ?? 0);
        if (delta !== 0) adjustments.push({ charge, delta });
      }
      counters.adjust(adjustments, now()).catch(onError);
    };
    return {
      settle: (used) => finish(tokenCount(used.promptTokens) + tokenCount(used.completionTokens)),
      cancel: () => finish(undefined),
    };
  }

  function unavailable(error: unknown): Admission {
    onError(error);
    if (options.whenUnavailable === "refuse") throw limiterUnavailable(error);
    return unlimited;
  }

  return {
    async admit(context, estimate) {
      let rules: WorkspaceRules;
      try {
        rules = await limits.rulesFor(context.workspaceId);
      } catch (error) {
        return unavailable(error);
      }
      const keyLimits = context.apiKeyId ? rules.keys.get(context.apiKeyId) : undefined;
      if (!rules.workspace && !keyLimits) return unlimited;
      const scopes: Array<{ id: string; label: string; limits: Limits }> = [];
      if (keyLimits && context.apiKeyId) {
        scopes.push({ id: context.apiKeyId, label: `API key '${context.apiKeyId}'`, limits: keyLimits });
      }
      if (rules.workspace) scopes.push({ id: "", label: "the workspace", limits: rules.workspace });
      const prompt = tokenCount(estimate.promptTokens);
      const output = Math.min(tokenCount(estimate.maxOutputTokens), maxReservedOutput);
      // At least one token, so an exhausted budget refuses even a request estimated at nothing;
      // a budget admits the request while its prompt and one output token still fit.
      const reserve = Math.max(1, prompt + output);
      const tokens = { reserve, minimum: Math.min(reserve, prompt + 1) };
      const at = now();
      let planned: Planned;
      let reservation: Reservation;
      try {
        planned = await plan(context.workspaceId, scopes, tokens, at);
        reservation = await counters.reserve(planned.charges, at);
      } catch (error) {
        return unavailable(error);
      }
      if (!reservation.admitted) {
        const charge = planned.charges[reservation.index] as Charge;
        const meaning = planned.meanings[reservation.index] as ChargeMeaning;
        throw limitExceeded(meaning, {
          limit: charge.limit,
          amount: meaning.limit === "tokenBudget" ? charge.minimum : charge.amount,
          available: reservation.available,
          now: at,
        });
      }
      return admission(planned, reservation.amounts);
    },

    async close() {
      await ledger.close();
      await counters.close();
      await ownLimits?.close();
    },
  };
}

/** A token count from outside: finite, whole and not negative. */
function tokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}
