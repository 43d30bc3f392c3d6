import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleProvider } from "../providers/openai-compatible-provider.ts";
import { ProviderError } from "../providers/provider-error.ts";
import { createRouter, type Router, type RouterOptions } from "./router.ts";
import {
  aliasOf,
  ask,
  contextOf,
  eventually,
  startDroppingServer,
  startUpstreams,
  textOf,
  type Upstreams,
} from "./router-testing.ts";

const byWeight = () => 0.5;
const question = "one two three four five";
const fullReply = `You said: ${question}`;

describe("router over real upstreams: streams and timeouts", () => {
  let upstreams: Upstreams;
  let router: Router;
  const routerWith = (options: Partial<RouterOptions> = {}) => {
    router = createRouter({ provider: upstreams.provider, random: byWeight, retryBackoffMs: 20, ...options });
    return router;
  };
  const server = (index: number) => {
    const found = upstreams.servers[index];
    if (!found) throw new Error(`no server ${index}`);
    return found;
  };

  beforeAll(async () => {
    upstreams = await startUpstreams(2);
  });
  afterEach(() => router?.close());
  afterAll(() => upstreams.close());

  it("falls back when the first replica dies before its first chunk; the client sees one clean stream", async () => {
    const dropping = await startDroppingServer();
    const dying = createOpenAICompatibleProvider({ id: "dying", baseURL: dropping.baseURL });
    try {
      routerWith({ provider: (id) => (id === "dying" ? dying : upstreams.provider(id)) });
      const alias = aliasOf([
        { provider: "dying", model: "test-chat", weight: 2 },
        { provider: "up1", model: "test-chat" },
      ]);
      const routed = await router.stream(alias, ask(question, { stream: true }), contextOf());
      expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up1/test-chat" } });
      expect(routed.firstTokenMs).toBeGreaterThanOrEqual(0);
      expect(await textOf(routed.chunks)).toBe(fullReply);
      expect(dropping.connections()).toBeGreaterThanOrEqual(1);
      expect(router.health(alias)[0]?.state).toBe("degraded");
      expect(router.health(alias)[1]).toMatchObject({ state: "healthy", inFlight: 0 });
    } finally {
      await dropping.close();
    }
  });

  it("falls back on a 5xx before the first chunk", async () => {
    const alias = aliasOf([
      { provider: "up0", model: "test-server-error", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    const routed = await routerWith().stream(alias, ask(question, { stream: true }), contextOf());
    expect(routed.attempts).toBe(2);
    expect(await textOf(routed.chunks)).toBe(fullReply);
  });

  it("raises a death midway from the chunks, without retrying (no duplicate output)", async () => {
    const fallbackCalls = server(1).chatRequests().length;
    const alias = aliasOf([
      { provider: "up0", model: "test-dies-midway", weight: 2 },
      { provider: "up1", model: "test-chat" },
    ]);
    const routed = await routerWith().stream(alias, ask(question, { stream: true }), contextOf());
    expect(routed.deployment.id).toBe("up0/test-dies-midway");
    let received = "";
    const error = await (async () => {
      for await (const chunk of routed.chunks) received += chunk.choices[0]?.delta.content ?? "";
    })().catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, retryable: false });
    expect(received).toBe("You said: ");
    expect(fullReply.startsWith(received)).toBe(true);
    expect(server(1).chatRequests().length).toBe(fallbackCalls);
    expect(router.health(alias)[0]).toMatchObject({ state: "degraded", inFlight: 0 });
    expect(await routed.chunks.next()).toEqual({ done: true, value: undefined });
  });

  it("falls back when the first token does not come in time, cancelling the slow call (stream and whole)", async () => {
    const alias = aliasOf(
      [
        { provider: "up0", model: "test-slow", weight: 2 },
        { provider: "up1", model: "test-chat" },
      ],
      { timeouts: { firstTokenMs: 120 } },
    );
    routerWith();
    const slowCalls = server(0).requests.length;
    const started = Date.now();
    const routed = await router.stream(alias, ask(question, { stream: true }), contextOf());
    expect(Date.now() - started).toBeLessThan(350);
    expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up1/test-chat" } });
    expect(routed.firstTokenMs).toBeGreaterThanOrEqual(120);
    expect(await textOf(routed.chunks)).toBe(fullReply);
    await eventually(
      () => server(0).requests.length > slowCalls && server(0).requests.at(-1)?.aborted === true,
    );

    const whole = await router.generate(alias, ask("whole"), contextOf());
    expect(whole).toMatchObject({ attempts: 2, deployment: { id: "up1/test-chat" } });
    const slow = router.health(alias)[0];
    expect(slow?.lastError).toMatch(/no first token within 120 ms/);
    // The wait counts as slowness, so lowest-latency would avoid it.
    expect(slow?.ttftMs).toBeGreaterThanOrEqual(100);
  });

  it("ends a stream past its total timeout with a non-retryable 504 from the chunks", async () => {
    const otherCalls = server(1).chatRequests().length;
    const alias = aliasOf(
      [
        { provider: "up0", model: "test-dribble", weight: 2 },
        { provider: "up1", model: "test-chat" },
      ],
      { timeouts: { totalMs: 180 } },
    );
    const routed = await routerWith().stream(alias, ask(question, { stream: true }), contextOf());
    const error = await textOf(routed.chunks).catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 504, retryable: false, options: { code: "upstream_timeout" } });
    expect(error.message).toMatch(/total timeout \(180 ms\)/);
    expect(server(1).chatRequests().length).toBe(otherCalls);
    await eventually(() => server(0).requests.at(-1)?.aborted === true);
    expect(router.health(alias)[0]).toMatchObject({ inFlight: 0, state: "degraded" });
  });

  it("cancels the upstream at once when the client aborts mid-stream, not blaming the deployment", async () => {
    const alias = aliasOf([{ provider: "up0", model: "test-dribble" }]);
    const client = new AbortController();
    const routed = await routerWith().stream(
      alias,
      ask(question, { stream: true }),
      contextOf(client.signal),
    );
    const first = await routed.chunks.next();
    expect(first.done).toBe(false);
    const pending = routed.chunks.next();
    client.abort();
    await expect(pending).rejects.toMatchObject({ status: 499, options: { type: "client_closed_request" } });
    await eventually(() => server(0).requests.at(-1)?.aborted === true);
    expect(router.health(alias)[0]).toMatchObject({ state: "healthy", inFlight: 0, errorRate: 0 });
  });

  it("gives everything back when the client leaves while nobody reads the chunks", async () => {
    const alias = aliasOf([{ provider: "up0", model: "test-dribble", maxConcurrency: 1 }]);
    const client = new AbortController();
    const routed = await routerWith().stream(
      alias,
      ask(question, { stream: true }),
      contextOf(client.signal),
    );
    client.abort();
    await eventually(() => server(0).requests.at(-1)?.aborted === true);
    expect(router.health(alias)[0]?.inFlight).toBe(0);
    await expect(routed.chunks.next()).rejects.toMatchObject({ status: 499 });
    // The slot was freed: the next request is not stuck behind the abandoned one.
    const next = await router.generate(alias, ask("next"), contextOf());
    expect(next.value.choices[0]?.message.content).toBe("You said: next");
  });

  it("cancels the upstream when the consumer stops early, freeing the concurrency slot", async () => {
    const alias = aliasOf([{ provider: "up0", model: "test-dribble", maxConcurrency: 1 }]);
    routerWith();
    const routed = await router.stream(alias, ask(question, { stream: true }), contextOf());
    for await (const chunk of routed.chunks) {
      expect(chunk.object).toBe("chat.completion.chunk");
      break;
    }
    await eventually(() => server(0).requests.at(-1)?.aborted === true);
    expect(router.health(alias)[0]).toMatchObject({ state: "healthy", inFlight: 0 });
    const again = await router.stream(alias, ask("again", { stream: true }), contextOf());
    expect(await textOf(again.chunks)).toBe("You said: again");
  });

  it("passes usage chunks through, and a stream's timing feeds the health", async () => {
    const alias = aliasOf([{ provider: "up1", model: "test-chat" }]);
    const routed = await routerWith().stream(
      alias,
      ask(question, { stream: true, stream_options: { include_usage: true } }),
      contextOf(),
    );
    const chunks = [];
    for await (const chunk of routed.chunks) chunks.push(chunk);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    const health = router.health(alias)[0];
    expect(health?.ttftMs).not.toBeNull();
    expect(health?.latencyMs).not.toBeNull();
  });
});
