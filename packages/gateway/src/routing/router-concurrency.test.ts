import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OpenAITestServer } from "../testing/openai-test-server.ts";
import { createRouter, type Router } from "./router.ts";
import {
  aliasOf,
  ask,
  contextOf,
  eventually,
  startUpstreams,
  textOf,
  type Upstreams,
} from "./router-testing.ts";

/** Samples a server's requests in progress every few ms until stopped; returns the most seen at once. */
function watchConcurrency(server: OpenAITestServer): () => number {
  let most = 0;
  const timer = setInterval(() => {
    const running = server.requests.filter((request) => !request.completed && !request.aborted).length;
    most = Math.max(most, running);
  }, 3);
  return () => {
    clearInterval(timer);
    return most;
  };
}

const userTexts = (server: OpenAITestServer) =>
  server.chatRequests().map((body) => (body.messages as Array<{ content: string }>).at(-1)?.content);

describe("router over real upstreams: concurrency", () => {
  let upstreams: Upstreams;
  let router: Router;

  beforeAll(async () => {
    upstreams = await startUpstreams(2, {
      models: { "test-wait": { delayMs: 60 }, "test-chat": {}, "test-held": { holdAfterChunks: 1 } },
    });
  });
  afterEach(() => router?.close());
  afterAll(() => upstreams.close());

  it("holds a deployment to its maxConcurrency", async () => {
    router = createRouter({ provider: upstreams.provider });
    const server = upstreams.servers[0] as OpenAITestServer;
    const alias = aliasOf([{ provider: "up0", model: "test-wait", maxConcurrency: 2 }]);
    const stop = watchConcurrency(server);
    const labels = Array.from({ length: 8 }, (_, index) => `request ${index}`);
    const answers = await Promise.all(labels.map((label) => router.generate(alias, ask(label), contextOf())));
    expect(stop()).toBe(2);
    expect(answers.map((answer) => answer.value.choices[0]?.message.content)).toEqual(
      labels.map((label) => `You said: ${label}`),
    );
    expect(router.health(alias)[0]?.inFlight).toBe(0);
  });

  it("serves the queue first come, first served", async () => {
    router = createRouter({ provider: upstreams.provider });
    const server = upstreams.servers[0] as OpenAITestServer;
    const before = server.chatRequests().length;
    // One at a time, so the order on the wire is the order the queue granted slots in.
    const alias = aliasOf([{ provider: "up0", model: "test-wait", maxConcurrency: 1 }]);
    const labels = Array.from({ length: 6 }, (_, index) => `queued ${index}`);
    await Promise.all(labels.map((label) => router.generate(alias, ask(label), contextOf())));
    expect(userTexts(server).slice(before)).toEqual(labels);
  });

  it("lets a queued request leave when its client aborts, and the queue moves on", async () => {
    router = createRouter({ provider: upstreams.provider });
    const server = upstreams.servers[0] as OpenAITestServer;
    const before = server.chatRequests().length;
    const alias = aliasOf([{ provider: "up0", model: "test-wait", maxConcurrency: 1 }]);
    const leaving = new AbortController();
    const first = router.generate(alias, ask("first"), contextOf());
    const gone = router.generate(alias, ask("gone"), contextOf(leaving.signal));
    const third = router.generate(alias, ask("third"), contextOf());
    expect(router.health(alias)[0]?.inFlight).toBe(3);
    leaving.abort();
    await expect(gone).rejects.toMatchObject({ status: 499 });
    await Promise.all([first, third]);
    expect(userTexts(server).slice(before)).toEqual(["first", "third"]);
  });

  it("bounds the wait for a slot by the total timeout", async () => {
    router = createRouter({ provider: upstreams.provider });
    // One slot, held by a stream that the test double keeps open until the test lets it go: the
    // waiter's 150 ms run out while it queues, however slow the machine.
    const deployment = { provider: "up0", model: "test-held", maxConcurrency: 1 };
    const holder = await router.stream(aliasOf([deployment]), ask("holder", { stream: true }), contextOf());
    const waiter = router.generate(
      aliasOf([deployment], { timeouts: { totalMs: 150 } }),
      ask("late"),
      contextOf(),
    );
    await expect(waiter).rejects.toMatchObject({ status: 504, retryable: false });
    expect(upstreams.servers[0]?.releaseHeld()).toBe(1);
    expect(await textOf(holder.chunks)).toBe("You said: holder");
  });

  it("spills over to a deployment with a free slot rather than queueing", async () => {
    router = createRouter({ provider: upstreams.provider, random: () => 0.5 });
    const alias = aliasOf([
      { provider: "up0", model: "test-wait", weight: 5, maxConcurrency: 1 },
      { provider: "up1", model: "test-wait", weight: 1 },
    ]);
    const answers = await Promise.all(
      ["a", "b", "c"].map((label) => router.generate(alias, ask(label), contextOf())),
    );
    expect(answers.map((answer) => answer.deployment.id)).toEqual([
      "up0/test-wait",
      "up1/test-wait",
      "up1/test-wait",
    ]);
  });

  it("least-outstanding spreads concurrent requests evenly over replicas", async () => {
    router = createRouter({ provider: upstreams.provider });
    const alias = aliasOf(
      [
        { provider: "up0", model: "test-wait" },
        { provider: "up1", model: "test-wait" },
      ],
      { strategy: "least-outstanding" },
    );
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => router.generate(alias, ask(`n${index}`), contextOf())),
    );
    const onFirst = answers.filter((answer) => answer.deployment.id === "up0/test-wait").length;
    expect(onFirst).toBe(5);
  });

  it("lowest-latency learns which replica is faster", async () => {
    const fast = await startUpstreams(1, { models: { m: {} } });
    const slow = await startUpstreams(1, { models: { m: { delayMs: 40 } } });
    try {
      const providers = new Map([
        ["fast", fast.providers.get("up0")],
        ["slow", slow.providers.get("up0")],
      ]);
      router = createRouter({ provider: (id) => providers.get(id) });
      const alias = aliasOf(
        [
          { provider: "slow", model: "m" },
          { provider: "fast", model: "m" },
        ],
        { strategy: "lowest-latency" },
      );
      const picks: string[] = [];
      for (let round = 0; round < 40; round++) {
        picks.push((await router.generate(alias, ask(`r${round}`), contextOf())).deployment.id);
      }
      const lastThirty = picks.slice(10);
      expect(lastThirty.filter((id) => id === "fast/m").length).toBeGreaterThanOrEqual(22);
      await eventually(
        () => (router.health(alias)[0]?.latencyMs ?? 0) > (router.health(alias)[1]?.latencyMs ?? 0),
      );
    } finally {
      await Promise.all([fast.close(), slow.close()]);
    }
  });
});
