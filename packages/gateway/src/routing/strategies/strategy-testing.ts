import type { DeploymentLoad } from "../deployment-health.ts";
import type { Deployment } from "../gateway-config.ts";
import { type RoutedRequest, type StrategyInput, shuffled } from "./routing-strategy.ts";

/** A seeded uniform generator (mulberry32), so strategy tests draw the same numbers every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

export const deployment = (id: string, extra: Partial<Deployment> = {}): Deployment => ({
  id,
  provider: id,
  model: "m",
  weight: 1,
  ...extra,
});

export const chat = (system: string, user = "hello", stream = false): RoutedRequest => ({
  kind: "chat",
  stream,
  body: {
    model: "alias",
    messages: [
      { role: "system", content: system },
      { role: "user", content: user },
    ],
  },
});

/** Strategy input over fixed loads (deployments not listed are idle and unmeasured). */
export function inputWith(
  request: RoutedRequest,
  loads: Record<string, Partial<DeploymentLoad>> = {},
  random: () => number = seededRandom(1),
): StrategyInput {
  return {
    request,
    random,
    load: (target) => ({ inFlight: 0, latencyMs: null, ttftMs: null, ...loads[target.id] }),
  };
}

/** How often each deployment came first over `rounds` orderings. */
export function firstChoiceShares(rounds: number, order: () => Deployment[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const first = order()[0]?.id ?? "none";
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return new Map([...counts].map(([id, count]) => [id, count / rounds]));
}

/** A copy of `items` shuffled by `random` (for seeded workloads). */
export const shuffledWith = <T>(items: readonly T[], random: () => number): T[] => shuffled(items, random);
