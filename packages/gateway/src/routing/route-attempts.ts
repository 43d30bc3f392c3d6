import type { ModelProvider } from "../providers/model-provider.ts";
import { ProviderError } from "../providers/provider-error.ts";
import type { ConcurrencyGate } from "./concurrency-gate.ts";
import type { DeploymentAttempt, DeploymentHealthTracker } from "./deployment-health.ts";
import type { Alias, Deployment } from "./gateway-config.ts";
import {
  type AttemptScope,
  delay,
  type RequestScope,
  startAttemptScope,
  untilAborted,
} from "./route-scope.ts";
import {
  asProviderError,
  clientClosed,
  exhausted,
  firstTokenTimeout,
  noUsableDeployment,
  totalTimeout,
} from "./routing-errors.ts";
import { routingStrategies } from "./strategies/index.ts";
import type { RoutedRequest } from "./strategies/routing-strategy.ts";

/** What the attempt loop needs from the router. */
export interface AttemptsEnvironment {
  provider(id: string): ModelProvider | undefined;
  health: DeploymentHealthTracker;
  gate: ConcurrencyGate;
  random: () => number;
  now: () => number;
  /** Base of the jittered exponential backoff before trying the same deployment again. */
  retryBackoffMs: number;
}

export interface Target {
  deployment: Deployment;
  provider: ModelProvider;
}

/** A successful attempt's holds, which the caller must finish (at once, or when a stream ends). */
export interface HeldAttempt {
  target: Target;
  record: DeploymentAttempt;
  scope: AttemptScope;
  releaseSlot: () => void;
  /** When the upstream call started (after any wait for a concurrency slot). */
  startedAt: number;
}

export interface AttemptsSuccess<T> {
  value: T;
  held: HeldAttempt;
  attempts: number;
}

const maxBackoffMs = 2_000;

/** The concurrency-gate key of a deployment: one upstream model is one lane, whichever alias uses it. */
export const laneKey = (deployment: Deployment) => `${deployment.provider}\u0000${deployment.model}`;

/**
 * Tries the alias's deployments in the strategy's order until one answers: a retryable failure
 * moves on (at once to another deployment, after a backoff when it must be the same one again),
 * up to `alias.retries` extra attempts; a non-retryable failure ends it. `execute` makes the call
 * under the attempt's signal and resolves once the deployment has answered (or sent its first chunk).
 */
export async function runAttempts<T>(
  environment: AttemptsEnvironment,
  alias: Alias,
  request: RoutedRequest,
  scope: RequestScope,
  execute: (target: Target, attempt: AttemptScope) => Promise<T>,
): Promise<AttemptsSuccess<T>> {
  const { health, now } = environment;
  const usable = usableTargets(environment, alias, request);
  const plan: AttemptPlan = {
    order: planOrder(environment, alias, request, usable),
    usable,
    cursor: 0,
    attempts: 0,
    // Tries per deployment id; made on the first retry (most requests never retry).
    tries: undefined,
  };
  const retries = Math.max(0, alias.retries ?? 0);
  let lastError: ProviderError | undefined;

  while (plan.attempts <= retries) {
    if (scope.abortedBy()) throw finalError(requestAbortError(scope, alias), alias, plan);
    const next = nextTarget(health, plan);
    if (!next) break;
    const { target, force } = next;
    const { deployment } = target;
    const previousTries = plan.tries?.get(deployment.id) ?? 0;
    if (previousTries > 0) {
      const base = Math.min(maxBackoffMs, environment.retryBackoffMs * 2 ** (previousTries - 1));
      try {
        await delay(base * (0.5 + environment.random() / 2), scope.signal);
      } catch {
        throw finalError(requestAbortError(scope, alias), alias, plan);
      }
    }
    const record = health.begin(deployment, force);
    if (!record) continue;
    plan.attempts++;
    plan.tries ??= new Map();
    plan.tries.set(deployment.id, previousTries + 1);

    let releaseSlot: (() => void) | undefined;
    let attempt: AttemptScope | undefined;
    let startedAt = now();
    try {
      releaseSlot = await environment.gate.acquire(
        laneKey(deployment),
        deployment.maxConcurrency,
        scope.signal,
      );
      attempt = startAttemptScope(scope.signal, alias.timeouts?.firstTokenMs);
      startedAt = now();
      const pending = execute(target, attempt);
      // Only the attempt's own timer can abort it apart from the provider: on the request's own
      // signal, which the provider holds, there is nothing to race.
      const value = await (attempt.ownSignal ? untilAborted(pending, attempt.signal) : pending);
      return {
        value,
        attempts: plan.attempts,
        held: { target, record, scope: attempt, releaseSlot, startedAt },
      };
    } catch (thrown) {
      attempt?.end(true);
      releaseSlot?.();
      const error = settleFailure(record, thrown, {
        scope,
        attempt,
        alias,
        deployment,
        elapsedMs: now() - startedAt,
        afterFirstByte: false,
      });
      lastError = error;
      if (!error.retryable) throw finalError(error, alias, plan);
    }
  }
  if (lastError) throw finalError(lastError, alias, plan);
  throw noUsableDeployment(alias, "every deployment is unavailable");
}

/** Where one request's attempts stand. */
interface AttemptPlan {
  order: Target[];
  usable: Target[];
  /** Where in `order` the next attempt starts looking. */
  cursor: number;
  attempts: number;
  tries: Map<string, number> | undefined;
}

/** The error a request ends with: as is for a client abort or a single attempt, else "exhausted". */
function finalError(error: ProviderError, alias: Alias, plan: AttemptPlan): ProviderError {
  if (error.status === 499 || plan.attempts <= 1) return error;
  return exhausted(error, alias, plan.tries?.size ?? 0, plan.attempts);
}

/** The next deployment in the cyclic order that can take a request now; a forced probe if none could at all. */
function nextTarget(
  health: DeploymentHealthTracker,
  plan: AttemptPlan,
): { target: Target; force: boolean } | undefined {
  const { order } = plan;
  for (let step = 0; step < order.length; step++) {
    const index = (plan.cursor + step) % order.length;
    const target = order[index] as Target;
    if (health.isAvailable(target.deployment)) {
      plan.cursor = index + 1;
      return { target, force: false };
    }
  }
  // Nothing passes (every circuit open, or rate-limited): probe the one that failed longest ago
  // rather than failing fast, once per request.
  if (plan.attempts > 0 || plan.usable.length === 0) return undefined;
  const probe = [...plan.usable].sort(
    (a, b) => health.lastFailureAt(a.deployment) - health.lastFailureAt(b.deployment),
  )[0];
  return probe ? { target: probe, force: true } : undefined;
}

/** The alias's deployments whose provider exists (and can embed, for embeddings); throws 404 when none. */
function usableTargets(environment: AttemptsEnvironment, alias: Alias, request: RoutedRequest): Target[] {
  const targets: Target[] = [];
  const unknown: string[] = [];
  for (const deployment of alias.deployments ?? []) {
    const provider = environment.provider(deployment.provider);
    if (!provider) unknown.push(deployment.provider);
    else if (request.kind === "chat" || typeof provider.doEmbed === "function")
      targets.push({ deployment, provider });
  }
  if (targets.length > 0) return targets;
  if (unknown.length > 0) throw noUsableDeployment(alias, `unknown provider '${unknown.join("', '")}'`);
  if (request.kind === "embed") throw noUsableDeployment(alias, "none of its providers offers embeddings");
  throw noUsableDeployment(alias, "it has no deployments");
}

/**
 * Available deployments in the strategy's order, those with a free concurrency slot before those
 * whose slots are full (so requests spill over rather than queue while a sibling is idle).
 */
function planOrder(
  environment: AttemptsEnvironment,
  alias: Alias,
  request: RoutedRequest,
  usable: Target[],
): Target[] {
  const { health, gate } = environment;
  // One deployment (the usual alias, and every bare model name): no order to decide.
  if (usable.length === 1) {
    const [only] = usable as [Target];
    return health.isAvailable(only.deployment) ? usable : [];
  }
  const available = usable.filter((target) => health.isAvailable(target.deployment));
  if (available.length === 0) return [];
  const strategy = routingStrategies[alias.strategy] ?? routingStrategies.weighted;
  const byDeployment = new Map(available.map((target) => [target.deployment, target]));
  const ordered = strategy
    .order([...byDeployment.keys()], {
      request,
      load: (deployment) => health.load(deployment),
      random: environment.random,
    })
    .map((deployment) => byDeployment.get(deployment) as Target);
  const isFull = (target: Target) =>
    gate.isFull(laneKey(target.deployment), target.deployment.maxConcurrency);
  return [...ordered.filter((target) => !isFull(target)), ...ordered.filter(isFull)];
}

function requestAbortError(scope: RequestScope, alias: Alias): ProviderError {
  return scope.abortedBy() === "total-timeout"
    ? totalTimeout(alias, alias.timeouts?.totalMs ?? 0)
    : clientClosed();
}

/**
 * Names what ended an attempt and tells the deployment's health: a client abort is nobody's
 * fault; timeouts, 5xx, connect errors and broken streams count against the deployment; a 429
 * puts it aside; any other answer (a 400 about the request, say) shows it works.
 */
export function settleFailure(
  record: DeploymentAttempt,
  thrown: unknown,
  facts: {
    scope: RequestScope;
    attempt: AttemptScope | undefined;
    alias: Alias;
    deployment: Deployment;
    elapsedMs: number;
    afterFirstByte: boolean;
  },
): ProviderError {
  const { scope, attempt, alias, deployment, elapsedMs, afterFirstByte } = facts;
  const abortedBy = scope.abortedBy();
  if (abortedBy === "client") {
    record.released();
    return clientClosed(thrown);
  }
  if (abortedBy === "total-timeout") {
    const error = totalTimeout(alias, alias.timeouts?.totalMs ?? 0);
    // Time spent queued for a slot here is not the upstream's slowness.
    if (attempt) record.failed(error, { latencyMs: elapsedMs });
    else record.released();
    return error;
  }
  if (attempt?.firstTokenTimedOut()) {
    const error = firstTokenTimeout(deployment.id, alias.timeouts?.firstTokenMs ?? 0);
    record.failed(error, { ttftMs: elapsedMs });
    return error;
  }
  const error = asProviderError(thrown, deployment.id, afterFirstByte);
  if (error.status === 429 || error.retryable || error.status >= 500 || afterFirstByte) record.failed(error);
  else record.succeeded({});
  return error;
}

/** A stream that ends before its first chunk lost nothing: another deployment may answer. */
export const emptyStream = (deploymentId: string) =>
  new ProviderError(`Deployment '${deploymentId}' ended its stream before the first chunk`, {
    status: 502,
    type: "server_error",
    code: "upstream_stream_incomplete",
    retryable: true,
  });
