import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleProvider } from "../providers/openai-compatible-provider.ts";
import { ProviderError } from "../providers/provider-error.ts";
import { createRouter, type Router, type RouterOptions } from "./router.ts";
import {
  aliasOf,
  ask,
  closedServerURL,
  contextOf,
  eventually,
  startUpstreams,
  type Upstreams,
} from "./router-testing.ts";

// Weighted with a constant draw orders deployments by weight, heaviest first: tests pick the order.
const byWeight = () => 0.5;

describe("router over real upstreams: generate and embed", () => {
  let upstreams: Upstreams;
  let router: Router;
  const routerWith = (options: Partial<RouterOptions> = {}) => {
    router = createRouter({ provider: upstreams.provider, random: byWeight, retryBackoffMs: 20, ...options });
    return router;
  };
  const chatRequests = (index: number) => upstreams.servers[index]?.chatRequests().length ?? 0;

  beforeAll(async () => {
    upstreams = await startUpstreams(3);
  });
  afterEach(() => router?.close());
  afterAll(() => upstreams.close());

  it("falls back from a 5xx deployment to a healthy one without the client seeing an error", async () => {
    const before = [chatRequests(0), chatRequests(1)];
    const alias = aliasOf([
      { provider: "up0", model: "test-server-error", weight: 2 },
      { provider: "up1", model: "test-chat", weight: 1 },
    ]);
    const routed = await routerWith().generate(alias, ask("hello there"), contextOf());
    expect(routed.value.choices[0]?.message.content).toBe("You said: hello there");
    expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up1/test-chat" } });
    expect(routed.latencyMs).toBeGreaterThanOrEqual(0);
    expect([chatRequests(0) - (before[0] ?? 0), chatRequests(1) - (before[1] ?? 0)]).toEqual([1, 1]);
    expect(router.health(alias)).toMatchObject([
      {
        deploymentId: "up0/test-server-error",
        state: "degraded",
        errorRate: 1,
        lastError: "Scripted failure 500",
      },
      { deploymentId: "up1/test-chat", state: "healthy", errorRate: 0, inFlight: 0 },
    ]);
  });

  it("falls back from a killed (connection-refusing) upstream", async () => {
    const dead = createOpenAICompatibleProvider({ id: "dead", baseURL: await closedServerURL() });
    const alias = aliasOf([
      { provider: "dead", model: "test-chat", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    routerWith({ provider: (id) => (id === "dead" ? dead : upstreams.provider(id)) });
    const routed = await router.generate(alias, ask("still there?"), contextOf());
    expect(routed.value.choices[0]?.message.content).toBe("You said: still there?");
    expect(routed.attempts).toBe(2);
    expect(router.health(alias)[0]?.lastError).toMatch(/unreachable/);
  });

  it("puts a rate-limited deployment aside for its Retry-After and goes elsewhere meanwhile", async () => {
    const alias = aliasOf([
      { provider: "up0", model: "test-rate-limited", weight: 2 },
      { provider: "up2", model: "test-chat" },
    ]);
    routerWith();
    const first = await router.generate(alias, ask("one"), contextOf());
    expect(first).toMatchObject({ attempts: 2, deployment: { id: "up2/test-chat" } });
    const rateLimitedCalls = chatRequests(0);
    const second = await router.generate(alias, ask("two"), contextOf());
    expect(second.attempts).toBe(1);
    expect(chatRequests(0)).toBe(rateLimitedCalls);
    // Busy is not broken: the breaker did not move.
    expect(router.health(alias)[0]).toMatchObject({ state: "degraded", errorRate: 0 });

    const alone = aliasOf([{ provider: "up0", model: "test-rate-limited" }]);
    const error = await routerWith()
      .generate(alone, ask("three"), contextOf())
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, options: { retryAfterSeconds: 7 } });
  });

  it("returns a non-retryable error at once, without trying another deployment", async () => {
    const before = chatRequests(1);
    const alias = aliasOf([
      { provider: "up0", model: "no-such-model", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    const error = await routerWith()
      .generate(alias, ask("hi"), contextOf())
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 404, retryable: false, options: { code: "model_not_found" } });
    expect(error.message).toMatch(/no-such-model/);
    expect(chatRequests(1)).toBe(before);
    // The deployment answered: a bad request is not its failure.
    expect(router.health(alias)[0]?.state).toBe("healthy");
  });

  it("retries the same deployment with backoff, then names how much was tried in the last error", async () => {
    const alias = aliasOf([{ provider: "up0", model: "test-server-error" }], { retries: 2 });
    const before = chatRequests(0);
    const started = Date.now();
    const error = await routerWith({ retryBackoffMs: 40 })
      .generate(alias, ask("again"), contextOf())
      .catch((caught) => caught);
    expect(chatRequests(0) - before).toBe(3);
    // Jittered backoffs of at least 20 ms and 40 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(error).toMatchObject({ status: 500 });
    expect(error.message).toBe("Scripted failure 500 (1 deployment of 'test-alias' tried in 3 attempts)");
  });

  it("stops after alias.retries extra attempts over several deployments", async () => {
    const alias = aliasOf(
      [
        { provider: "up0", model: "test-server-error", weight: 3 },
        { provider: "up1", model: "test-server-error", weight: 2 },
        { provider: "up2", model: "test-chat", weight: 1 },
      ],
      { retries: 1 },
    );
    const error = await routerWith()
      .generate(alias, ask("x"), contextOf())
      .catch((caught) => caught);
    expect(error.message).toMatch(/\(2 deployments of 'test-alias' tried in 2 attempts\)$/);
    const routed = await routerWith().generate({ ...alias, retries: 2 }, ask("x"), contextOf());
    expect(routed).toMatchObject({ attempts: 3, deployment: { id: "up2/test-chat" } });
  });

  it("opens the circuit after consecutive failures and skips the deployment; an active check half-opens it", async () => {
    const alias = aliasOf([
      { provider: "up0", model: "test-server-error", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    routerWith({ health: { failureThreshold: 2, cooldownMs: 60_000 }, activeCheckIntervalMs: 25 });
    // The check only looks at open circuits; with none open it stays idle.
    await router.generate(alias, ask("a"), contextOf());
    await router.generate(alias, ask("b"), contextOf());
    const calls = chatRequests(0);
    expect(router.health(alias)[0]?.state).toMatch(/open/);
    await eventually(() => router.health(alias)[0]?.state === "half-open");
    // The trial request goes to it, fails, and the circuit opens again; the client still gets an answer.
    const routed = await router.generate(alias, ask("c"), contextOf());
    expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up1/test-chat" } });
    expect(chatRequests(0)).toBe(calls + 1);
    expect(router.health(alias)[0]?.state).toBe("open");
  });

  it("skips an open deployment until its cooldown passes (fake clock)", async () => {
    const clock = { now: 1_000 };
    const alias = aliasOf([
      { provider: "up0", model: "test-server-error", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    routerWith({ now: () => clock.now, health: { failureThreshold: 1, cooldownMs: 10_000 } });
    await router.generate(alias, ask("a"), contextOf());
    const calls = chatRequests(0);
    for (let round = 0; round < 3; round++) {
      expect((await router.generate(alias, ask("b"), contextOf())).attempts).toBe(1);
    }
    expect(chatRequests(0)).toBe(calls);
    clock.now += 10_000;
    expect((await router.generate(alias, ask("c"), contextOf())).attempts).toBe(2);
    expect(chatRequests(0)).toBe(calls + 1);
  });

  it("probes the least recently failed deployment when every circuit is open", async () => {
    const clock = { now: 1_000 };
    const alias = aliasOf(
      [
        { provider: "up0", model: "test-server-error", weight: 2 },
        { provider: "up1", model: "test-server-error" },
      ],
      { retries: 1 },
    );
    routerWith({ now: () => clock.now, health: { failureThreshold: 1, cooldownMs: 60_000 } });
    await router.generate(alias, ask("a"), contextOf()).catch(() => {});
    expect(router.health(alias).map((deployment) => deployment.state)).toEqual(["open", "open"]);
    const calls = [chatRequests(0), chatRequests(1)];
    clock.now += 100;
    const error = await router.generate(alias, ask("b"), contextOf()).catch((caught) => caught);
    expect(error).toMatchObject({ status: 500 });
    // up0 failed first (longest ago), so it is the probe; nothing else is tried while all are open.
    expect([chatRequests(0) - (calls[0] ?? 0), chatRequests(1) - (calls[1] ?? 0)]).toEqual([1, 0]);
  });

  it("skips deployments whose provider is unknown, and says so when none is left", async () => {
    const alias = aliasOf([
      { provider: "ghost", model: "test-chat", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    const routed = await routerWith().generate(alias, ask("hi"), contextOf());
    expect(routed).toMatchObject({ attempts: 1, deployment: { id: "up1/test-chat" } });
    const onlyGhosts = aliasOf([{ provider: "ghost", model: "test-chat" }], { name: "phantom" });
    const error = await router.generate(onlyGhosts, ask("hi"), contextOf()).catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 404, options: { code: "model_not_found" } });
    expect(error.message).toBe("The model 'phantom' has no available deployment: unknown provider 'ghost'");
  });

  it("answers bad input with clear errors: no deployments, an aborted request", async () => {
    routerWith();
    const empty = { ...aliasOf([{ provider: "up1", model: "test-chat" }]), deployments: [] };
    await expect(router.generate(empty, ask("hi"), contextOf())).rejects.toMatchObject({ status: 404 });
    const before = chatRequests(1);
    const aborted = router.generate(
      aliasOf([{ provider: "up1", model: "test-chat" }]),
      ask("hi"),
      contextOf(AbortSignal.abort()),
    );
    await expect(aborted).rejects.toMatchObject({ status: 499, options: { type: "client_closed_request" } });
    expect(chatRequests(1)).toBe(before);
  });

  it("cancels the upstream call at once when the client aborts, without blaming the deployment", async () => {
    const alias = aliasOf([{ provider: "up2", model: "test-slow" }]);
    routerWith();
    const client = new AbortController();
    const server = upstreams.servers[2];
    const before = server?.requests.length ?? 0;
    const pending = router.generate(alias, ask("slow one"), contextOf(client.signal));
    await eventually(() => (server?.requests.length ?? 0) > before);
    const started = Date.now();
    client.abort();
    await expect(pending).rejects.toMatchObject({ status: 499 });
    expect(Date.now() - started).toBeLessThan(200);
    await eventually(() => server?.requests.at(-1)?.aborted === true);
    expect(router.health(alias)[0]).toMatchObject({ state: "healthy", inFlight: 0, errorRate: 0 });
  });

  it("routes embeddings with the same fallbacks, skipping providers without embeddings", async () => {
    const upstream = upstreams.providers.get("up1");
    if (!upstream) throw new Error("up1 missing");
    const chatOnly = { ...upstream, id: "chat-only", doEmbed: undefined };
    routerWith({ provider: (id) => (id === "chat-only" ? chatOnly : upstreams.provider(id)) });
    const alias = aliasOf([
      { provider: "chat-only", model: "test-embed", weight: 3 },
      { provider: "up0", model: "test-server-error", weight: 2 },
      { provider: "up1", model: "test-embed" },
    ]);
    const routed = await router.embed(alias, { model: "test-alias", input: ["a", "b"] }, contextOf());
    expect(routed.value.data).toHaveLength(2);
    expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up1/test-embed" } });
    const noEmbeddings = aliasOf([{ provider: "chat-only", model: "test-embed" }]);
    await expect(router.embed(noEmbeddings, { model: "x", input: "a" }, contextOf())).rejects.toThrow(
      "none of its providers offers embeddings",
    );
  });
});
