/**
 * The counters behind the limiter, in process or in Redis. Both implement the same two kinds:
 *
 * - `rate`: a bucket holding up to `limit` units that refills continuously at `limit` per minute
 *   (requests or tokens per minute; the way OpenAI's own limits replenish, so a burst at a minute
 *   boundary cannot double the rate as fixed windows allow). Adjustments may push it below zero:
 *   the overrun is then paid back before the next admission.
 * - `budget`: tokens used in one calendar period against `limit`, started from `seed` (the spend
 *   already stored) the first time the counter is touched. A request is admitted while at least
 *   `minimum` tokens are left and reserves what is left up to `amount`: the one request that takes
 *   the last tokens can overspend by no more than its own unreserved output, and every request
 *   after it waits until settles give tokens back.
 */
export interface Charge {
  /** Names the counter: one per scope, limit and (for budgets) period. */
  key: string;
  kind: "rate" | "budget";
  /** Rate: the bucket's capacity and per-minute refill. Budget: tokens allowed in the period. */
  limit: number;
  /** Units the reservation takes (budgets: at most; see `minimum`). */
  amount: number;
  /** Budget only: tokens that must be left to admit the request at all. */
  minimum: number;
  /** Budget only: the stored spend a new counter starts from. */
  seed: number;
  /** Budget only: epoch milliseconds after which the counter may be dropped. */
  expiresAt: number;
}

/** Every charge taken, with the amounts reserved; or the first that did not fit and what its counter had. */
export type Reservation =
  | { admitted: true; amounts: number[] }
  | {
      admitted: false;
      index: number;
      /** Rate: units in the bucket (may be negative). Budget: tokens left in the period. */
      available: number;
    };

export interface LimitCounters {
  /** Takes every charge, or none when one does not fit; one atomic step across all of them. */
  reserve(charges: readonly Charge[], now: number): Promise<Reservation>;
  /** Applies the difference between what was reserved and what was used (positive: more used); budgets' only to live counters. */
  adjust(adjustments: ReadonlyArray<{ charge: Charge; delta: number }>, now: number): Promise<void>;
  close(): Promise<void>;
}

export const minuteMs = 60_000;

/** A bucket's level `elapsed` milliseconds after it was at `level`. */
export function refilled(level: number, limit: number, elapsed: number): number {
  return elapsed > 0 ? Math.min(limit, level + (elapsed * limit) / minuteMs) : level;
}
