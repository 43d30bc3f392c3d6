import path from "node:path";
import { estimateTextTokens } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../gateway.ts";
import type { RequestContext } from "../request-context.ts";
import { startAnthropicTestServer } from "../testing/anthropic-test-server.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import { testTokenize } from "../testing/vllm-test-routes.ts";
import { createAnthropicProvider } from "./anthropic-provider.ts";
import { createLocalProvider, type LocalProvider } from "./local-provider.ts";
import {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProvider,
} from "./openai-compatible-provider.ts";
import { ProviderError } from "./provider-error.ts";

/**
 * Token counting (`doTokenize`, `Gateway.tokenize`) against each kind of upstream: a real GGUF
 * tokenizer (llama-2-tiny-random: random weights, llama's real SPM vocabulary), the vLLM test
 * double's `/tokenize`, and upstreams without a tokenizer (an OpenAI-like server, Anthropic),
 * for which the gateway answers the estimate with `exact: false`.
 */
const modelsDir = path.resolve(import.meta.dirname, "../../../../../shared/models");
const localModel = "llama-2-tiny-random";
const context = (): RequestContext => ({
  workspaceId: "ws_tokenize",
  apiKeyId: null,
  signal: AbortSignal.timeout(60_000),
});
const digits = (count: number) => "7".repeat(count);

describe("local GGUF tokenizer", () => {
  let local: LocalProvider;
  let gateway: Gateway;

  beforeAll(() => {
    local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1, contextSize: 256 });
    gateway = createGateway({ providers: [local] });
  });
  afterAll(async () => {
    await gateway.close();
    await local.close();
  });

  it("counts as the embedding context sees each text, BOS included, as node-llama-cpp's own count", async () => {
    const texts = ["Wind tunnels measure the lift and drag.", "1234567890 9876543210", "机翼颤振试验", ""];
    const answer = await local.doTokenize(
      { model: localModel, input: texts },
      { model: localModel, signal: context().signal },
    );
    // The oracle: node-llama-cpp's LlamaEmbeddingContext.calculateInputLength on the same model file.
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path.join(modelsDir, `${localModel}.gguf`) });
    const embedding = await model.createEmbeddingContext({ threads: 1, contextSize: 256 });
    try {
      const expected = texts.map((text) => (text ? embedding.calculateInputLength(text) : 0));
      expect(answer.counts).toEqual(expected);
      // Far from four characters a token: digits and CJK are where estimates fail.
      expect(answer.counts[1]).toBeGreaterThan(2 * estimateTextTokens(texts[1] as string));
      expect(answer.counts[2]).toBeGreaterThan(2 * estimateTextTokens(texts[2] as string));
    } finally {
      await llama.dispose();
    }
  });

  it("reports the longest input the embedding context takes, and it is exact: one more token fails", async () => {
    // SPM: "▁" then one token per digit; with BOS, n digits are n + 2 tokens.
    const fits = digits(253);
    const over = digits(254);
    const answer = await gateway.tokenize({ model: `local/${localModel}`, input: [fits, over] }, context());
    expect(answer).toEqual({
      model: `local/${localModel}`,
      counts: [255, 256],
      exact: true,
      maxInputTokens: 255,
    });
    const embedded = await gateway.embed({ model: `local/${localModel}`, input: [fits] }, context());
    expect(embedded.data).toHaveLength(1);
    await expect(gateway.embed({ model: `local/${localModel}`, input: [over] }, context())).rejects.toThrow(
      /longer than the usable context size/,
    );
  });

  it("refuses unknown models (404) and malformed requests (400)", async () => {
    await expect(
      gateway.tokenize({ model: "local/no-such-model", input: ["x"] }, context()),
    ).rejects.toMatchObject({
      status: 404,
    });
    const bad = gateway.tokenize(
      { model: `local/${localModel}`, input: "not a list" as unknown as string[] },
      context(),
    );
    await expect(bad).rejects.toBeInstanceOf(ProviderError);
    await expect(bad).rejects.toMatchObject({ status: 400, options: { param: "input" } });
  });
});

describe("vLLM's /tokenize (test double)", () => {
  let upstream: OpenAITestServer;
  let vllm: OpenAICompatibleProvider;
  let gateway: Gateway;

  beforeAll(async () => {
    upstream = await startOpenAITestServer({ vllm: { maxModelLen: 8192 } });
    vllm = createOpenAICompatibleProvider({ id: "vllm", baseURL: upstream.baseURL });
    gateway = createGateway({ providers: [vllm] });
  });
  afterAll(async () => {
    await gateway.close();
    await vllm.close();
    await upstream.close();
  });

  it("counts each text with one POST /tokenize at the server root, in input order", async () => {
    const texts = Array.from({ length: 20 }, (_, index) => `text ${index} ${"flutter ".repeat(index)}`);
    const answer = await gateway.tokenize({ model: "vllm/test-embed", input: texts }, context());
    expect(answer.exact).toBe(true);
    expect(answer.maxInputTokens).toBe(8192);
    expect(answer.counts).toEqual(texts.map((text) => testTokenize(text).length));
    const calls = upstream.requests.filter((request) => request.path === "/tokenize");
    expect(calls).toHaveLength(texts.length);
    expect(calls[0]?.body).toEqual({ model: "test-embed", prompt: texts[0], add_special_tokens: true });
  });
});

describe("upstreams without a tokenizer", () => {
  it("an OpenAI-like server (no /tokenize): estimated, exact false, and not asked again", async () => {
    const upstream = await startOpenAITestServer({ vllm: false });
    const plain = createOpenAICompatibleProvider({ id: "plain", baseURL: upstream.baseURL });
    const gateway = createGateway({ providers: [plain] });
    try {
      const texts = ["Wind tunnels measure lift.", "机翼颤振试验"];
      await expect(
        plain.doTokenize(
          { model: "test-embed", input: texts },
          { model: "test-embed", signal: context().signal },
        ),
      ).rejects.toMatchObject({ status: 400, options: { code: "tokenize_not_supported" } });
      const answer = await gateway.tokenize({ model: "plain/test-embed", input: texts }, context());
      expect(answer).toEqual({
        model: "plain/test-embed",
        counts: texts.map(estimateTextTokens),
        exact: false,
      });
      expect(upstream.requests.filter((request) => request.path === "/tokenize")).toHaveLength(1);
    } finally {
      await gateway.close();
      await plain.close();
      await upstream.close();
    }
  });

  it("Anthropic (no doTokenize): estimated, exact false", async () => {
    const upstream = await startAnthropicTestServer();
    const claude = createAnthropicProvider({ id: "claude", baseURL: upstream.baseURL });
    const gateway = createGateway({ providers: [claude] });
    try {
      expect(claude.doTokenize).toBeUndefined();
      const answer = await gateway.tokenize(
        { model: "claude/test-chat", input: ["Mach 2 の衝撃波"] },
        context(),
      );
      expect(answer).toEqual({ model: "claude/test-chat", counts: [6], exact: false });
    } finally {
      await gateway.close();
      await claude.close?.();
      await upstream.close();
    }
  });
});
