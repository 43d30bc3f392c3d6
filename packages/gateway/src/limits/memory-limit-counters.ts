import { type Charge, type LimitCounters, minuteMs, refilled } from "./limit-counters.ts";

interface Counter {
  /** Rate: units in the bucket. Budget: tokens used. */
  value: number;
  /** Rate: when `value` was computed. */
  at: number;
  /** When the counter may be dropped: a bucket idle for a minute is full again, the same as none. */
  expiresAt: number;
}

/**
 * Counters in this process: exact for one Nexus process, since a reservation's check and take
 * run in one synchronous step. Replicas share limits only through the Redis counters.
 */
export function createMemoryLimitCounters(
  options: { sweepIntervalMs?: number; now?: () => number } = {},
): LimitCounters {
  const clock = options.now ?? Date.now;
  const counters = new Map<string, Counter>();
  const sweep = setInterval(() => {
    const now = clock();
    for (const [key, counter] of counters) if (counter.expiresAt <= now) counters.delete(key);
  }, options.sweepIntervalMs ?? minuteMs);
  sweep.unref();

  function current(charge: Charge, now: number): number {
    const counter = counters.get(charge.key);
    if (charge.kind === "budget") return counter?.value ?? charge.seed;
    return counter ? refilled(counter.value, charge.limit, now - counter.at) : charge.limit;
  }

  function store(charge: Charge, value: number, now: number): void {
    const previous = counters.get(charge.key);
    if (charge.kind === "budget") {
      counters.set(charge.key, { value, at: now, expiresAt: charge.expiresAt });
      return;
    }
    const at = Math.max(now, previous?.at ?? now);
    // Full again once the deficit (if any) and the whole capacity have refilled.
    const idleMs = ((charge.limit - Math.min(value, charge.limit)) * minuteMs) / charge.limit;
    counters.set(charge.key, { value, at, expiresAt: at + idleMs + minuteMs });
  }

  return {
    async reserve(charges, now) {
      const values: number[] = [];
      const amounts: number[] = [];
      for (const [index, charge] of charges.entries()) {
        const value = current(charge, now);
        if (charge.kind === "rate") {
          if (value < charge.amount) return { admitted: false, index, available: value };
          amounts.push(charge.amount);
        } else {
          const left = charge.limit - value;
          if (left < charge.minimum) return { admitted: false, index, available: left };
          amounts.push(Math.min(charge.amount, left));
        }
        values.push(value);
      }
      for (const [index, charge] of charges.entries()) {
        const value = values[index] ?? 0;
        const amount = amounts[index] ?? 0;
        store(charge, charge.kind === "rate" ? value - amount : value + amount, now);
      }
      return { admitted: true, amounts };
    },

    async adjust(adjustments, now) {
      for (const { charge, delta } of adjustments) {
        if (charge.kind === "budget") {
          const counter = counters.get(charge.key);
          if (counter) counter.value += delta;
        } else {
          store(charge, Math.min(charge.limit, current(charge, now) - delta), now);
        }
      }
    },

    async close() {
      clearInterval(sweep);
      counters.clear();
    },
  };
}
