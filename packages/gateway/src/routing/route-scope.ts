/**
 * The abort signals of a routed request: one for the whole request (the client's signal plus the
 * alias's total timeout) and one per attempt under it (plus the first-token timeout). The router
 * enforces these itself because not every provider knows timeouts (the local one does not); each
 * scope remembers which cause fired, since a provider sees only "aborted".
 */
export interface RequestScope {
  signal: AbortSignal;
  /** What aborted the request, if anything did. */
  abortedBy(): "client" | "total-timeout" | undefined;
  /** Stops the timer and unhooks from the client's signal. */
  end(): void;
}

export function startRequestScope(clientSignal: AbortSignal, totalMs: number | undefined): RequestScope {
  // Without a total timeout only the client can abort: its own signal serves (one controller and
  // one listener less per request).
  if (totalMs === undefined) return clientOnlyScope(clientSignal);
  const controller = new AbortController();
  let cause: "client" | "total-timeout" | undefined;
  const onClientAbort = () => {
    cause ??= "client";
    controller.abort(clientSignal.reason);
  };
  if (clientSignal.aborted) onClientAbort();
  else clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const timer = setTimeout(() => {
    cause ??= "total-timeout";
    controller.abort(new Error(`total timeout (${totalMs} ms)`));
  }, totalMs);
  return {
    signal: controller.signal,
    abortedBy: () => cause,
    end: () => {
      clearTimeout(timer);
      clientSignal.removeEventListener("abort", onClientAbort);
    },
  };
}

function clientOnlyScope(clientSignal: AbortSignal): RequestScope {
  return {
    signal: clientSignal,
    abortedBy: () => (clientSignal.aborted ? "client" : undefined),
    end: () => {},
  };
}

export interface AttemptScope {
  /** Pass to the provider: aborts with the request, on the first-token timeout, or on `end(true)`. */
  signal: AbortSignal;
  /** The first chunk arrived: the first-token timer stops. */
  firstTokenArrived(): void;
  firstTokenTimedOut(): boolean;
  /** Stops the timer and unhooks; `cancel` also aborts the upstream call (it was not finished). */
  end(cancel: boolean): void;
}

export function startAttemptScope(
  requestSignal: AbortSignal,
  firstTokenMs: number | undefined,
): AttemptScope {
  const controller = new AbortController();
  let timedOut = false;
  const onRequestAbort = () => controller.abort(requestSignal.reason);
  if (requestSignal.aborted) onRequestAbort();
  else requestSignal.addEventListener("abort", onRequestAbort, { once: true });
  let timer =
    firstTokenMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`first-token timeout (${firstTokenMs} ms)`));
        }, firstTokenMs);
  const stopTimer = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    signal: controller.signal,
    firstTokenArrived: stopTimer,
    firstTokenTimedOut: () => timedOut,
    end: (cancel) => {
      stopTimer();
      requestSignal.removeEventListener("abort", onRequestAbort);
      if (cancel) controller.abort(new Error("cancelled by the router"));
    },
  };
}

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
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
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
