import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { collectChunks } from "../testing/chunk-streams.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import type { ModelProvider } from "./model-provider.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";
import { runProviderContract } from "./provider.contract.ts";
import { ProviderError } from "./provider-error.ts";

const apiKey = "sk-upstream";
let upstream: OpenAITestServer;
beforeAll(async () => {
  upstream = await startOpenAITestServer({ apiKey });
});
afterAll(() => upstream.close());

runProviderContract("openai-compatible", {
  create: () => createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL, apiKey }),
  chatModel: "test-chat",
  slowChatModel: "test-dribble",
  embeddingModel: "test-embed",
});

const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "client-alias",
  messages: [{ role: "user", content: "one two three four five" }],
  ...extra,
});
const signal = () => new AbortController().signal;

describe("openai-compatible provider against the OpenAI test double", () => {
  let provider: ModelProvider;
  beforeAll(() => {
    provider = createOpenAICompatibleProvider({
      id: "double",
      baseURL: `${upstream.baseURL}/`,
      apiKey,
      headers: { "x-extra": "yes" },
      timeouts: { firstTokenMs: 200 },
    });
  });

  it("sends the body as is, with only the model replaced, plus key and headers", async () => {
    await provider.doGenerate(request({ temperature: 0.3, top_k: 5 } as never), {
      model: "test-chat",
      signal: signal(),
    });
    const sent = upstream.requests.at(-1);
    expect(sent?.body).toEqual({
      model: "test-chat",
      messages: [{ role: "user", content: "one two three four five" }],
      temperature: 0.3,
      top_k: 5,
    });
    expect(sent?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(sent?.headers["x-extra"]).toBe("yes");
  });

  it("maps 429 to a retryable ProviderError with Retry-After", async () => {
    const failed = provider.doGenerate(request(), { model: "test-rate-limited", signal: signal() });
    await expect(failed).rejects.toMatchObject({
      status: 429,
      retryable: true,
      options: { retryAfterSeconds: 7, type: "rate_limit_error" },
    });
  });

  it("maps 5xx to retryable and 4xx to not", async () => {
    const serverError = provider.doGenerate(request(), { model: "test-server-error", signal: signal() });
    await expect(serverError).rejects.toMatchObject({ status: 500, retryable: true });
    const unknown = collectChunks(provider.doStream(request(), { model: "nope", signal: signal() }));
    await expect(unknown).rejects.toMatchObject({
      status: 404,
      retryable: false,
      options: { code: "model_not_found" },
    });
  });

  it("turns a refused connection into a retryable 502", async () => {
    const closed = createOpenAICompatibleProvider({ id: "gone", baseURL: "http://127.0.0.1:1/v1" });
    await expect(closed.listModels()).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it("turns an upstream that rejects Nexus's key into a 502, not the client's 401", async () => {
    const wrongKey = createOpenAICompatibleProvider({
      id: "double",
      baseURL: upstream.baseURL,
      apiKey: "bad",
    });
    await expect(wrongKey.listModels()).rejects.toMatchObject({
      status: 502,
      options: { code: "upstream_auth_failed" },
    });
  });

  it("times out a slow first token with a retryable 504", async () => {
    const slow = collectChunks(provider.doStream(request(), { model: "test-slow", signal: signal() }));
    await expect(slow).rejects.toMatchObject({
      status: 504,
      retryable: true,
      options: { code: "upstream_timeout" },
    });
  });

  it("errors, not hangs, when the stream dies midway, after yielding what arrived", async () => {
    const received: ChatCompletionChunk[] = [];
    const failure = await (async () => {
      for await (const chunk of provider.doStream(request(), {
        model: "test-dies-midway",
        signal: signal(),
      })) {
        received.push(chunk);
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ status: 502, retryable: false });
    expect(received.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("You said: ");
  });

  it("aborts the upstream request when the consumer stops early", async () => {
    for await (const _chunk of provider.doStream(request(), { model: "test-dribble", signal: signal() }))
      break;
    const sent = upstream.requests.at(-1);
    await expect.poll(() => sent?.aborted).toBe(true);
  });

  it("aborts the upstream request when the signal aborts", async () => {
    const controller = new AbortController();
    const done = collectChunks(
      provider.doStream(request(), { model: "test-dribble", signal: controller.signal }),
    );
    await expect.poll(() => upstream.requests.at(-1)?.body).toMatchObject({ model: "test-dribble" });
    controller.abort();
    await expect(done).rejects.toMatchObject({ status: 499 });
    await expect.poll(() => upstream.requests.at(-1)?.aborted).toBe(true);
  });

  it("yields each chunk as it arrives, not after the stream ends", async () => {
    const started = Date.now();
    const stream = provider.doStream(request(), { model: "test-dribble", signal: signal() });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const first = Date.now() - started;
    await collectChunks({ [Symbol.asyncIterator]: () => iterator });
    const total = Date.now() - started;
    // test-dribble waits 50 ms before each of its 6 content chunks.
    expect(first).toBeLessThan(total - 150);
  });
});
