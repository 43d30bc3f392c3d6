/**
 * Caps the requests running at once per key (a deployment's `maxConcurrency`). Requests over the
 * cap wait first-come-first-served: a freed slot goes straight to the oldest waiter, so a newcomer
 * never overtakes anyone waiting (no starvation). A waiter whose signal aborts leaves the queue.
 *
 * @example
 * const release = await gate.acquire("vllm-a/qwen", deployment.maxConcurrency, signal);
 * try { await call(); } finally { release(); }
 */
export class ConcurrencyGate {
  private readonly lanes = new Map<string, Lane>();

  /** Resolves with a release function once a slot is held; rejects with the signal's reason on abort. */
  acquire(key: string, limit: number | undefined, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const lane = this.lane(key);
    lane.limit = limit ?? Number.POSITIVE_INFINITY;
    // A raised cap frees slots for those already waiting before this newcomer.
    this.drain(lane);
    if (lane.waiters.length === 0 && lane.running < lane.limit) {
      lane.running++;
      return Promise.resolve(this.releaser(key, lane));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.releaser(key, lane));
        },
      };
      const onAbort = () => {
        const index = lane.waiters.indexOf(waiter);
        if (index >= 0) lane.waiters.splice(index, 1);
        this.forget(key, lane);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      lane.waiters.push(waiter);
    });
  }

  /** Whether a request arriving now would have to wait. */
  isFull(key: string, limit: number | undefined): boolean {
    const lane = this.lanes.get(key);
    if (!lane || limit === undefined) return false;
    return lane.waiters.length > 0 || lane.running >= limit;
  }

  /** Requests waiting for a slot under `key`. */
  waiting(key: string): number {
    return this.lanes.get(key)?.waiters.length ?? 0;
  }

  private releaser(key: string, lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lane.running--;
      this.drain(lane);
      this.forget(key, lane);
    };
  }

  /** Hands free slots straight to the oldest waiters, so nobody slips in between a release and them. */
  private drain(lane: Lane): void {
    while (lane.running < lane.limit && lane.waiters.length > 0) {
      lane.running++;
      lane.waiters.shift()?.grant();
    }
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: 0, limit: Number.POSITIVE_INFINITY, waiters: [] };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private forget(key: string, lane: Lane): void {
    if (lane.running === 0 && lane.waiters.length === 0) this.lanes.delete(key);
  }
}

interface Lane {
  running: number;
  /** The latest cap given (a config change applies from the next acquire on). */
  limit: number;
  waiters: Waiter[];
}

interface Waiter {
  grant(): void;
}
