import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalProvider, type LocalProvider } from "../providers/local-provider.ts";
import { ProviderError } from "../providers/provider-error.ts";
import { createRouter, type Router } from "./router.ts";
import { aliasOf, ask, contextOf, startUpstreams, textOf, type Upstreams } from "./router-testing.ts";

const modelsDir = path.resolve(import.meta.dirname, "../../../../../shared/models");
const model = "llama-2-tiny-random";
// Random weights: a fixed seed keeps the generation from ending early by chance.
const long = { max_tokens: 3_000, seed: 11 };

/**
 * The local provider knows no timeouts of its own (it runs in process); the router's first-token
 * timeout still applies to it and cancels its generation.
 */
describe("router over the local GGUF provider", () => {
  let local: LocalProvider;
  let upstreams: Upstreams;
  let router: Router;

  beforeAll(async () => {
    local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1 });
    upstreams = await startUpstreams(1);
    router = createRouter({
      provider: (id) => (id === "local" ? local : upstreams.provider(id)),
      random: () => 0.5,
    });
  });
  afterAll(async () => {
    router.close();
    await Promise.all([local.close(), upstreams.close()]);
  });

  it("falls back to a remote replica while the local model is still loading", async () => {
    const alias = aliasOf(
      [
        { provider: "local", model, weight: 2 },
        { provider: "up0", model: "test-chat" },
      ],
      { timeouts: { firstTokenMs: 300 } },
    );
    const started = Date.now();
    const routed = await router.stream(alias, ask("hello", { stream: true }), contextOf());
    expect(routed).toMatchObject({ attempts: 2, deployment: { id: "up0/test-chat" } });
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(await textOf(routed.chunks)).toBe("You said: hello");
    expect(router.health(alias)[0]).toMatchObject({
      deploymentId: `local/${model}`,
      inFlight: 0,
      lastError: `Deployment 'local/${model}' sent no first token within 300 ms`,
    });
  });

  it("answers from the local model when its timeout allows", async () => {
    const alias = aliasOf([{ provider: "local", model }], { timeouts: { firstTokenMs: 60_000 } });
    const routed = await router.stream(
      alias,
      ask("hi", { stream: true, max_tokens: 6, seed: 11 }),
      contextOf(),
    );
    expect(routed.deployment.id).toBe(`local/${model}`);
    expect((await textOf(routed.chunks)).length).toBeGreaterThan(0);
  });

  it("times out a long local generation and frees its sequence for the next request", async () => {
    const alias = aliasOf([{ provider: "local", model }], { retries: 0, timeouts: { firstTokenMs: 150 } });
    const started = Date.now();
    const error = await router.generate(alias, ask("go on", long), contextOf()).catch((caught) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 504, retryable: true, options: { code: "upstream_timeout" } });
    expect(Date.now() - started).toBeLessThan(1_000);
    // One sequence only: had the timed-out generation gone on, this would wait for its 3,000 tokens.
    const roomy = aliasOf([{ provider: "local", model }], { timeouts: { firstTokenMs: 30_000 } });
    const next = await router.generate(roomy, ask("short", { max_tokens: 4, seed: 11 }), contextOf());
    expect(next.value.usage?.completion_tokens).toBeGreaterThan(0);
    expect(next.latencyMs).toBeLessThan(1_000);
  });
});
