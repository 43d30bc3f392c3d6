/**
 * The circuit breaker of one deployment. Closed: requests pass. Open: requests are skipped until
 * the cooldown passes. Half-open: exactly one trial request passes; its success closes the
 * circuit, its failure re-opens it with a doubled cooldown (up to `maxCooldownMs`).
 *
 * Time comes from the caller (`now` arguments), so transitions are testable with a fake clock.
 */
export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** First cooldown after opening. Default 5 s. */
  cooldownMs?: number;
  /** Cooldowns double on every failed trial, up to this. Default 60 s. */
  maxCooldownMs?: number;
}

export class CircuitBreaker {
  private current: CircuitState = "closed";
  private openedAt = 0;
  private readonly baseCooldownMs: number;
  private readonly maxCooldownMs: number;
  private cooldown: number;
  private trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.baseCooldownMs = options.cooldownMs ?? 5_000;
    this.maxCooldownMs = Math.max(this.baseCooldownMs, options.maxCooldownMs ?? 60_000);
    this.cooldown = this.baseCooldownMs;
  }

  /** The state at `now`: an open circuit whose cooldown has passed reads as half-open. */
  state(now: number): CircuitState {
    if (this.current === "open" && now >= this.openedAt + this.cooldown) {
      this.current = "half-open";
      this.trialInFlight = false;
    }
    return this.current;
  }

  /** Whether a request may go through now (without claiming anything). */
  canPass(now: number): boolean {
    const state = this.state(now);
    return state === "closed" || (state === "half-open" && !this.trialInFlight);
  }

  /**
   * Lets one request through: in half-open it becomes the trial, and no other passes until it
   * reports. Returns whether this request is the trial. Call only after `canPass`, or to force a
   * probe when every circuit is open.
   */
  admit(now: number): { trial: boolean } {
    const state = this.state(now);
    if (state === "closed") return { trial: false };
    // A forced probe of an open circuit is a trial too: its outcome decides the state.
    this.current = "half-open";
    this.trialInFlight = true;
    return { trial: true };
  }

  /** The deployment answered; a trial's success closes the circuit and resets the cooldown. */
  onSuccess(trial: boolean): void {
    if (!trial) return;
    this.current = "closed";
    this.trialInFlight = false;
    this.cooldown = this.baseCooldownMs;
  }

  /** A trial ended without a verdict (the client went away): let another request try. */
  onTrialReleased(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }

  /** A failed trial re-opens with a longer cooldown; `trip` opens a closed circuit. */
  onFailure(now: number, trial: boolean, trip: boolean): void {
    if (trial) {
      this.cooldown = Math.min(this.maxCooldownMs, this.cooldown * 2);
      this.open(now);
    } else if (trip && this.current === "closed") {
      this.open(now);
    }
  }

  /** An active check reached the deployment: skip the rest of the cooldown. */
  onReachable(now: number): void {
    if (this.state(now) === "open") {
      this.current = "half-open";
      this.trialInFlight = false;
    }
  }

  private open(now: number): void {
    this.current = "open";
    this.openedAt = now;
    this.trialInFlight = false;
  }
}
