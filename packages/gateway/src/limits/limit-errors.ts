import { ProviderError } from "../providers/provider-error.ts";

/** What a refused charge stood for, to tell the client which limit it hit. */
export interface ChargeMeaning {
  /** `the workspace` or `API key 'key_…'`. */
  scope: string;
  limit: "requestsPerMinute" | "tokensPerMinute" | "tokenBudget";
  /** Budgets: the period's name and end. */
  period?: { kind: "day" | "month"; endsAt: number };
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * The 429 for a request over a limit. Rates say when enough has refilled for this request; a
 * budget says when its period ends. Not retryable on another deployment: the limit is the caller's.
 */
export function limitExceeded(
  meaning: ChargeMeaning,
  numbers: { limit: number; amount: number; available: number; now: number },
): ProviderError {
  const { limit, amount, available, now } = numbers;
  if (meaning.limit === "tokenBudget" && meaning.period) {
    const resetsAt = new Date(meaning.period.endsAt).toISOString();
    const left = Math.max(0, available);
    return new ProviderError(
      `Token budget exhausted for ${meaning.scope}: ${integer.format(limit)} tokens per ${meaning.period.kind} (UTC), ` +
        `${integer.format(left)} left (counting requests still running) and this request needs at least ` +
        `${integer.format(amount)}. It resets at ${resetsAt}.`,
      {
        status: 429,
        type: "rate_limit_error",
        code: "budget_exceeded",
        retryable: false,
        retryAfterSeconds: Math.max(1, Math.ceil((meaning.period.endsAt - now) / 1000)),
      },
    );
  }
  // The bucket refills at `limit` per minute; wait until it holds this request's amount.
  const waitSeconds = Math.max(1, Math.ceil(((amount - available) * 60) / limit));
  const what =
    meaning.limit === "requestsPerMinute"
      ? `${integer.format(limit)} requests per minute`
      : `${integer.format(limit)} tokens per minute (this request reserves ${integer.format(amount)})`;
  return new ProviderError(`Rate limit reached for ${meaning.scope}: ${what}. Retry in ${waitSeconds} s.`, {
    status: 429,
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
    retryable: false,
    retryAfterSeconds: waitSeconds,
  });
}

export function limiterUnavailable(cause: unknown): ProviderError {
  return new ProviderError("Rate limits cannot be checked right now; try again shortly", {
    status: 503,
    type: "server_error",
    code: "limiter_unavailable",
    retryable: false,
    retryAfterSeconds: 1,
    cause,
  });
}
