import type { ProviderError } from "../providers/provider-error.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.ts";
import type { Deployment } from "./gateway-config.ts";

/** One deployment's health as the API shows it. */
export interface DeploymentHealth {
  deploymentId: string;
  provider: string;
  model: string;
  /** `degraded`: passing requests, but failing lately or rate-limited now. */
  state: "healthy" | "degraded" | "open" | "half-open";
  /** Requests routed here and not finished (queued for a slot or running). */
  inFlight: number;
  /** Share of failed requests in the recent window, 0..1. */
  errorRate: number;
  /** Moving average of whole-call latency; null until measured. */
  latencyMs: number | null;
  /** Moving average of time to first token; null until measured. */
  ttftMs: number | null;
  lastError?: string;
}

/** What strategies may read about a deployment. */
export interface DeploymentLoad {
  inFlight: number;
  latencyMs: number | null;
  ttftMs: number | null;
}

export interface DeploymentHealthOptions extends CircuitBreakerOptions {
  /** Clock in milliseconds; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** An error rate at or over this in the window opens the circuit. Default 0.5. */
  errorRateThreshold?: number;
  /** The error-rate window. Default 30 s. */
  errorRateWindowMs?: number;
  /** The error rate trips only over at least this many requests in the window. Default 10. */
  minimumRequests?: number;
  /** How long a 429 without `Retry-After` puts a deployment aside. Default 1 s. */
  rateLimitPauseMs?: number;
  /** Told of every failed attempt (for the upstream-error metric); must not throw. */
  onFailure?(deploymentId: string, error: ProviderError): void;
}

/** One request's hold on a deployment; report exactly one outcome. */
export interface DeploymentAttempt {
  /** The deployment answered (a 4xx about the request counts: the deployment works). */
  succeeded(timing: { latencyMs?: number; ttftMs?: number }): void;
  /** The deployment failed; `elapsedMs` of a timeout feeds the latency average so a slow one looks slow. */
  failed(error: ProviderError, timing?: { ttftMs?: number; latencyMs?: number }): void;
  /** Ended without a verdict (the client went away). */
  released(): void;
}

// Recent samples weigh this much in the moving averages.
const ewmaWeight = 0.3;
const maxWindowSamples = 500;

class TrackedDeployment {
  deploymentId: string;
  readonly breaker: CircuitBreaker;
  inFlight = 0;
  consecutiveFailures = 0;
  latencyMs: number | null = null;
  ttftMs: number | null = null;
  lastError: string | undefined;
  lastFailureAt = Number.NEGATIVE_INFINITY;
  asideUntil = 0;
  /** Recent outcomes, oldest first. */
  readonly window: Array<{ at: number; failed: boolean }> = [];

  constructor(
    readonly provider: string,
    readonly model: string,
    deploymentId: string,
    breakerOptions: CircuitBreakerOptions,
  ) {
    this.deploymentId = deploymentId;
    this.breaker = new CircuitBreaker(breakerOptions);
  }
}

const keyOf = (upstream: { provider: string; model: string }) =>
  `${upstream.provider}\u0000${upstream.model}`;

const average = (previous: number | null, sample: number) =>
  previous === null ? sample : previous + ewmaWeight * (sample - previous);

/**
 * Passive health of every deployment the router has used: in-flight counts, latency and TTFT
 * moving averages, the recent error rate and a circuit breaker each. Keyed by provider and
 * upstream model, so one upstream shared by several aliases has one health.
 */
export class DeploymentHealthTracker {
  private readonly deployments = new Map<string, TrackedDeployment>();
  private readonly byDeployment = new WeakMap<Deployment, TrackedDeployment>();
  private readonly now: () => number;
  private readonly failureThreshold: number;
  private readonly errorRateThreshold: number;
  private readonly windowMs: number;
  private readonly minimumRequests: number;
  private readonly rateLimitPauseMs: number;

  constructor(private readonly options: DeploymentHealthOptions = {}) {
    this.now = options.now ?? Date.now;
    this.failureThreshold = options.failureThreshold ?? 5;
    this.errorRateThreshold = options.errorRateThreshold ?? 0.5;
    this.windowMs = options.errorRateWindowMs ?? 30_000;
    this.minimumRequests = options.minimumRequests ?? 10;
    this.rateLimitPauseMs = options.rateLimitPauseMs ?? 1_000;
  }

  load(deployment: Deployment): DeploymentLoad {
    const tracked = this.track(deployment);
    return { inFlight: tracked.inFlight, latencyMs: tracked.latencyMs, ttftMs: tracked.ttftMs };
  }

  /** Whether a request may be sent now: circuit passing and not put aside by a 429. */
  isAvailable(deployment: Deployment): boolean {
    const tracked = this.track(deployment);
    const now = this.now();
    return now >= tracked.asideUntil && tracked.breaker.canPass(now);
  }

  /** When the deployment last failed (-Infinity if never); picks the probe when all are unavailable. */
  lastFailureAt(deployment: Deployment): number {
    return this.track(deployment).lastFailureAt;
  }

  /**
   * Starts a request here, or returns undefined when the deployment is unavailable now (another
   * request took the half-open trial, say). `force` sends it anyway, as the probe when every
   * deployment is unavailable.
   */
  begin(deployment: Deployment, force = false): DeploymentAttempt | undefined {
    if (!force && !this.isAvailable(deployment)) return undefined;
    const tracked = this.track(deployment);
    const { trial } = tracked.breaker.admit(this.now());
    tracked.inFlight++;
    return new TrackedAttempt(this, tracked, trial);
  }

  /** A TrackedAttempt's success. */
  attemptSucceeded(
    tracked: TrackedDeployment,
    trial: boolean,
    timing: { latencyMs?: number; ttftMs?: number },
  ): void {
    if (timing.latencyMs !== undefined) tracked.latencyMs = average(tracked.latencyMs, timing.latencyMs);
    if (timing.ttftMs !== undefined) tracked.ttftMs = average(tracked.ttftMs, timing.ttftMs);
    tracked.consecutiveFailures = 0;
    this.remember(tracked, false);
    tracked.breaker.onSuccess(trial);
  }

  /** A TrackedAttempt's failure. */
  attemptFailed(
    tracked: TrackedDeployment,
    trial: boolean,
    error: ProviderError,
    timing: { ttftMs?: number; latencyMs?: number } | undefined,
  ): void {
    this.options.onFailure?.(tracked.deploymentId, error);
    this.recordFailure(tracked, trial, error, timing);
  }

  /** An active check reached an open deployment: let a trial request through now. */
  markReachable(upstream: { provider: string; model: string }): void {
    this.deployments.get(keyOf(upstream))?.breaker.onReachable(this.now());
  }

  /** Deployments an active check should look at: open circuits. */
  needingCheck(): Array<{ provider: string; model: string; deploymentId: string }> {
    const now = this.now();
    return [...this.deployments.values()]
      .filter((tracked) => tracked.breaker.state(now) === "open")
      .map(({ provider, model, deploymentId }) => ({ provider, model, deploymentId }));
  }

  snapshot(deployment: Deployment): DeploymentHealth {
    const tracked = this.track(deployment);
    return { ...this.describe(tracked), deploymentId: deployment.id };
  }

  /** Every deployment seen, under the id it was last routed as. */
  snapshots(): DeploymentHealth[] {
    return [...this.deployments.values()].map((tracked) => this.describe(tracked));
  }

  private describe(tracked: TrackedDeployment): DeploymentHealth {
    const now = this.now();
    const circuit = tracked.breaker.state(now);
    const errorRate = this.errorRate(tracked);
    const troubled = tracked.consecutiveFailures > 0 || errorRate >= 0.1 || now < tracked.asideUntil;
    return {
      deploymentId: tracked.deploymentId,
      provider: tracked.provider,
      model: tracked.model,
      state: circuit === "closed" ? (troubled ? "degraded" : "healthy") : circuit,
      inFlight: tracked.inFlight,
      errorRate,
      latencyMs: tracked.latencyMs === null ? null : Math.round(tracked.latencyMs),
      ttftMs: tracked.ttftMs === null ? null : Math.round(tracked.ttftMs),
      ...(tracked.lastError ? { lastError: tracked.lastError } : {}),
    };
  }

  private recordFailure(
    tracked: TrackedDeployment,
    trial: boolean,
    error: ProviderError,
    timing: { ttftMs?: number; latencyMs?: number } = {},
  ): void {
    const now = this.now();
    tracked.lastError = error.message;
    tracked.lastFailureAt = now;
    if (error.status === 429) {
      // Busy, not broken: wait as asked, without moving the breaker.
      const pauseMs = (error.options.retryAfterSeconds ?? 0) * 1000 || this.rateLimitPauseMs;
      tracked.asideUntil = Math.max(tracked.asideUntil, now + pauseMs);
      tracked.breaker.onTrialReleased(trial);
      return;
    }
    if (timing.ttftMs !== undefined) tracked.ttftMs = average(tracked.ttftMs, timing.ttftMs);
    if (timing.latencyMs !== undefined) tracked.latencyMs = average(tracked.latencyMs, timing.latencyMs);
    tracked.consecutiveFailures++;
    this.remember(tracked, true);
    const errorRate = this.errorRate(tracked);
    const samples = tracked.window.length;
    const trip =
      tracked.consecutiveFailures >= this.failureThreshold ||
      (samples >= this.minimumRequests && errorRate >= this.errorRateThreshold);
    tracked.breaker.onFailure(now, trial, trip);
  }

  private remember(tracked: TrackedDeployment, failed: boolean): void {
    tracked.window.push({ at: this.now(), failed });
    if (tracked.window.length > maxWindowSamples) tracked.window.shift();
  }

  private errorRate(tracked: TrackedDeployment): number {
    const since = this.now() - this.windowMs;
    while (tracked.window.length > 0 && (tracked.window[0]?.at ?? 0) < since) tracked.window.shift();
    if (tracked.window.length === 0) return 0;
    return tracked.window.filter((sample) => sample.failed).length / tracked.window.length;
  }

  private track(deployment: Deployment): TrackedDeployment {
    // Looked up several times per request: by the deployment object first (aliases keep theirs).
    const known = this.byDeployment.get(deployment);
    if (known && known.deploymentId === deployment.id) return known;
    const key = keyOf(deployment);
    let tracked = this.deployments.get(key);
    if (!tracked) {
      tracked = new TrackedDeployment(deployment.provider, deployment.model, deployment.id, this.options);
      this.deployments.set(key, tracked);
    }
    tracked.deploymentId = deployment.id;
    this.byDeployment.set(deployment, tracked);
    return tracked;
  }
}

/** One request's hold on a deployment (see DeploymentAttempt): the first outcome reported counts. */
class TrackedAttempt implements DeploymentAttempt {
  private reported = false;

  constructor(
    private readonly tracker: DeploymentHealthTracker,
    private readonly tracked: TrackedDeployment,
    private readonly trial: boolean,
  ) {}

  succeeded(timing: { latencyMs?: number; ttftMs?: number }): void {
    if (this.settle()) this.tracker.attemptSucceeded(this.tracked, this.trial, timing);
  }

  failed(error: ProviderError, timing?: { ttftMs?: number; latencyMs?: number }): void {
    if (this.settle()) this.tracker.attemptFailed(this.tracked, this.trial, error, timing);
  }

  released(): void {
    if (this.settle()) this.tracked.breaker.onTrialReleased(this.trial);
  }

  /** True for the first outcome only. */
  private settle(): boolean {
    if (this.reported) return false;
    this.reported = true;
    this.tracked.inFlight--;
    return true;
  }
}
