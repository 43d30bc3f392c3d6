import { describe, expect, it } from "vitest";
import { ProviderError } from "../providers/provider-error.ts";
import { DeploymentHealthTracker } from "./deployment-health.ts";
import { deployment } from "./strategies/strategy-testing.ts";

const serverError = () =>
  new ProviderError("Upstream 'a' is unreachable: connect ECONNREFUSED", {
    status: 502,
    type: "server_error",
    retryable: true,
  });
const rateLimited = (retryAfterSeconds?: number) =>
  new ProviderError("Slow down", {
    status: 429,
    type: "rate_limit_error",
    retryable: true,
    retryAfterSeconds,
  });

/** A tracker on a clock the test moves by hand. */
function trackerWithClock(options: ConstructorParameters<typeof DeploymentHealthTracker>[0] = {}) {
  const clock = { now: 1_000_000 };
  const health = new DeploymentHealthTracker({ now: () => clock.now, cooldownMs: 5_000, ...options });
  return { health, clock };
}

const target = deployment("a");
const fail = (health: DeploymentHealthTracker, times = 1) => {
  for (let count = 0; count < times; count++) health.begin(target, true)?.failed(serverError());
};

describe("deployment health and circuit breaker", () => {
  it("opens after N consecutive failures and skips the deployment until the cooldown passes", () => {
    const { health, clock } = trackerWithClock({ failureThreshold: 3 });
    fail(health, 2);
    expect(health.snapshot(target).state).toBe("degraded");
    expect(health.isAvailable(target)).toBe(true);
    fail(health);
    expect(health.snapshot(target)).toMatchObject({
      state: "open",
      lastError: "Upstream 'a' is unreachable: connect ECONNREFUSED",
    });
    expect(health.isAvailable(target)).toBe(false);
    expect(health.begin(target)).toBeUndefined();
    clock.now += 4_999;
    expect(health.isAvailable(target)).toBe(false);
    clock.now += 1;
    expect(health.snapshot(target).state).toBe("half-open");
    expect(health.isAvailable(target)).toBe(true);
  });

  it("lets exactly one trial through when half-open; its success closes the circuit", () => {
    const { health, clock } = trackerWithClock({ failureThreshold: 1 });
    fail(health);
    clock.now += 5_000;
    const trial = health.begin(target);
    expect(trial).toBeDefined();
    expect(health.begin(target)).toBeUndefined();
    expect(health.isAvailable(target)).toBe(false);
    trial?.succeeded({ latencyMs: 120 });
    // Closed again; the failure is still in the error-rate window, so it reads as degraded for now.
    expect(health.snapshot(target)).toMatchObject({ state: "degraded", latencyMs: 120, inFlight: 0 });
    expect(health.isAvailable(target)).toBe(true);
  });

  it("re-opens on a failed trial with a doubled cooldown, and resets it after a success", () => {
    const { health, clock } = trackerWithClock({ failureThreshold: 1, maxCooldownMs: 15_000 });
    fail(health);
    clock.now += 5_000;
    health.begin(target)?.failed(serverError());
    expect(health.snapshot(target).state).toBe("open");
    clock.now += 9_999;
    expect(health.isAvailable(target)).toBe(false);
    clock.now += 1;
    health.begin(target)?.failed(serverError());
    // 20 s would exceed the 15 s cap.
    clock.now += 15_000;
    const trial = health.begin(target);
    expect(trial).toBeDefined();
    trial?.succeeded({});
    fail(health);
    clock.now += 5_000;
    expect(health.isAvailable(target)).toBe(true);
  });

  it("releases the trial without a verdict when the client goes away", () => {
    const { health, clock } = trackerWithClock({ failureThreshold: 1 });
    fail(health);
    clock.now += 5_000;
    health.begin(target)?.released();
    expect(health.snapshot(target).state).toBe("half-open");
    expect(health.begin(target)).toBeDefined();
  });

  it("opens on an error rate over the window even without a failure streak", () => {
    const { health, clock } = trackerWithClock({
      failureThreshold: 100,
      minimumRequests: 10,
      errorRateThreshold: 0.5,
    });
    for (let round = 0; round < 4; round++) {
      health.begin(target)?.succeeded({});
      fail(health);
    }
    expect(health.snapshot(target)).toMatchObject({ state: "degraded", errorRate: 0.5 });
    health.begin(target)?.succeeded({});
    fail(health);
    expect(health.snapshot(target).state).toBe("open");
    // Old outcomes leave the window.
    clock.now += 31_000;
    expect(health.snapshot(target).errorRate).toBe(0);
  });

  it("puts a 429 aside for its Retry-After without moving the breaker", () => {
    const { health, clock } = trackerWithClock({ failureThreshold: 1, rateLimitPauseMs: 1_000 });
    health.begin(target)?.failed(rateLimited(7));
    expect(health.snapshot(target)).toMatchObject({ state: "degraded", errorRate: 0 });
    expect(health.isAvailable(target)).toBe(false);
    clock.now += 6_999;
    expect(health.isAvailable(target)).toBe(false);
    clock.now += 1;
    expect(health.snapshot(target).state).toBe("healthy");
    health.begin(target)?.failed(rateLimited());
    clock.now += 999;
    expect(health.isAvailable(target)).toBe(false);
    clock.now += 1;
    expect(health.isAvailable(target)).toBe(true);
  });

  it("averages latency and time to first token, counting a timeout's wait as slowness", () => {
    const { health } = trackerWithClock();
    health.begin(target)?.succeeded({ latencyMs: 100, ttftMs: 10 });
    health.begin(target)?.succeeded({ latencyMs: 200, ttftMs: 20 });
    expect(health.snapshot(target)).toMatchObject({ latencyMs: 130, ttftMs: 13 });
    health.begin(target)?.failed(serverError(), { ttftMs: 1013 });
    expect(health.snapshot(target).ttftMs).toBe(313);
  });

  it("counts in-flight requests until each reports once", () => {
    const { health } = trackerWithClock();
    const first = health.begin(target);
    const second = health.begin(target);
    expect(health.load(target).inFlight).toBe(2);
    first?.succeeded({});
    first?.failed(serverError());
    expect(health.load(target).inFlight).toBe(1);
    expect(health.snapshot(target).state).toBe("healthy");
    second?.released();
    expect(health.load(target).inFlight).toBe(0);
  });

  it("half-opens an open deployment that an active check reached", () => {
    const { health } = trackerWithClock({ failureThreshold: 1 });
    fail(health);
    expect(health.needingCheck()).toEqual([{ provider: "a", model: "m", deploymentId: "a" }]);
    health.markReachable({ provider: "a", model: "m" });
    expect(health.snapshot(target).state).toBe("half-open");
    expect(health.needingCheck()).toEqual([]);
  });

  it("shares one health between deployments of the same upstream model", () => {
    const { health } = trackerWithClock({ failureThreshold: 1 });
    fail(health);
    const sameUpstream = { ...target, id: "other-alias-name" };
    expect(health.isAvailable(sameUpstream)).toBe(false);
    expect(health.snapshots()).toHaveLength(1);
  });
});
