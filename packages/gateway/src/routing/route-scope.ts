/**
 * The abort signals of a routed request: one for the whole request (the client's signal plus the
 * alias's total timeout) and one per attempt under it (plus the first-token timeout). The router
 * enforces these itself because not every provider knows timeouts (the local one does not); each
 * scope remembers which cause fired, since a provider sees only "aborted".
 *
 * These run for every request, so each is one small object with prototype methods (listeners as
 * `handleEvent` objects, timers with an argument) rather than a bundle of closures, and a signal of
 * its own exists only where a timer can fire: without timeouts the client's signal serves all.
 */
export interface RequestScope {
  signal: AbortSignal;
  /** What aborted the request, if anything did. */
  abortedBy(): "client" | "total-timeout" | undefined;
  /** Stops the timer and unhooks from the client's signal. */
  end(): void;
}

export function startRequestScope(clientSignal: AbortSignal, totalMs: number | undefined): RequestScope {
  // Without a total timeout only the client can abort: its own signal serves.
  if (totalMs === undefined) return new ClientOnlyScope(clientSignal);
  return new TotalTimeoutScope(clientSignal, totalMs);
}

class ClientOnlyScope implements RequestScope {
  constructor(readonly signal: AbortSignal) {}

  abortedBy() {
    return this.signal.aborted ? ("client" as const) : undefined;
  }

  end(): void {}
}

class TotalTimeoutScope implements RequestScope {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private cause: "client" | "total-timeout" | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clientSignal: AbortSignal,
    private readonly totalMs: number,
  ) {
    if (clientSignal.aborted) this.handleEvent();
    else clientSignal.addEventListener("abort", this, { once: true });
    this.timer = setTimeout(totalTimeoutFired, totalMs, this);
  }

  /** The client's signal aborted. */
  handleEvent(): void {
    this.cause ??= "client";
    this.controller.abort(this.clientSignal.reason);
  }

  timedOut(): void {
    this.cause ??= "total-timeout";
    this.controller.abort(new Error(`total timeout (${this.totalMs} ms)`));
  }

  abortedBy() {
    return this.cause;
  }

  end(): void {
    clearTimeout(this.timer);
    this.clientSignal.removeEventListener("abort", this);
  }
}

const totalTimeoutFired = (scope: TotalTimeoutScope) => scope.timedOut();

export interface AttemptScope {
  /** Pass to the provider: aborts with the request, on the first-token timeout, or on `end(true)`. */
  signal: AbortSignal;
  /**
   * Whether the attempt has a signal of its own (a first-token timeout); otherwise `signal` is the
   * request's, which the provider listens to itself.
   */
  readonly ownSignal: boolean;
  /** The first chunk arrived: the first-token timer stops. */
  firstTokenArrived(): void;
  firstTokenTimedOut(): boolean;
  /**
   * Stops the timer and unhooks; `cancel` also aborts the upstream call (it was not finished).
   * An attempt without a first-token timeout shares the request's signal and cannot abort on its
   * own: the router stops such a call through its provider instead (a stream's `return()`; a whole
   * answer has settled by the time the router gives up on it).
   */
  end(cancel: boolean): void;
}

export function startAttemptScope(
  requestSignal: AbortSignal,
  firstTokenMs: number | undefined,
): AttemptScope {
  if (firstTokenMs === undefined) return new SharedAttemptScope(requestSignal);
  return new TimedAttemptScope(requestSignal, firstTokenMs);
}

/** An attempt that only the request can abort: the request's signal is its signal. */
class SharedAttemptScope implements AttemptScope {
  readonly ownSignal = false;
  constructor(readonly signal: AbortSignal) {}
  firstTokenArrived(): void {}
  firstTokenTimedOut(): boolean {
    return false;
  }
  end(): void {}
}

/** An attempt with a first-token timeout: a signal of its own, under the request's. */
class TimedAttemptScope implements AttemptScope {
  readonly ownSignal = true;
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private timedOut = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requestSignal: AbortSignal,
    private readonly firstTokenMs: number,
  ) {
    if (requestSignal.aborted) this.handleEvent();
    else requestSignal.addEventListener("abort", this, { once: true });
    this.timer = setTimeout(firstTokenTimeoutFired, firstTokenMs, this);
  }

  /** The request's signal aborted. */
  handleEvent(): void {
    this.controller.abort(this.requestSignal.reason);
  }

  fire(): void {
    this.timedOut = true;
    this.controller.abort(new Error(`first-token timeout (${this.firstTokenMs} ms)`));
  }

  firstTokenArrived(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  firstTokenTimedOut(): boolean {
    return this.timedOut;
  }

  end(cancel: boolean): void {
    this.firstTokenArrived();
    this.requestSignal.removeEventListener("abort", this);
    if (cancel) this.controller.abort(new Error("cancelled by the router"));
  }
}

const firstTokenTimeoutFired = (scope: TimedAttemptScope) => scope.fire();

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts, so a provider
 * slow to notice an abort cannot hold the router up. A late rejection of `promise` is swallowed.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const listener = new RejectOnAbort(signal, reject);
    signal.addEventListener("abort", listener, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", listener);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", listener);
        reject(error);
      },
    );
  });
}

class RejectOnAbort {
  constructor(
    private readonly signal: AbortSignal,
    private readonly reject: (reason: unknown) => void,
  ) {}

  handleEvent(): void {
    this.reject(this.signal.reason);
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
