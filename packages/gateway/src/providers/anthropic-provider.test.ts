import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import {
  type AnthropicTestServer,
  defaultAnthropicTestModels,
  startAnthropicTestServer,
} from "../testing/anthropic-test-server.ts";
import { collectChunks, textOfChunks } from "../testing/chunk-streams.ts";
import { anthropicApiVersion, createAnthropicProvider } from "./anthropic-provider.ts";
import type { ModelProvider } from "./model-provider.ts";
import { runProviderContract } from "./provider.contract.ts";
import { ProviderError } from "./provider-error.ts";

const apiKey = "sk-ant-upstream";
let upstream: AnthropicTestServer;
beforeAll(async () => {
  // Small pages, so listing has to follow `has_more`.
  upstream = await startAnthropicTestServer({ apiKey, maxPageSize: 3 });
});
afterAll(() => upstream.close());

runProviderContract("anthropic", {
  create: () => createAnthropicProvider({ id: "claude", baseURL: upstream.baseURL, apiKey }),
  chatModel: "test-chat",
  slowChatModel: "test-dribble",
});

const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "client-alias",
  messages: [{ role: "user", content: "one two three four five" }],
  ...extra,
});
const call = (
  model = "test-chat",
  extra: { signal?: AbortSignal; timeouts?: { firstTokenMs?: number } } = {},
) => ({
  model,
  signal: extra.signal ?? new AbortController().signal,
  ...(extra.timeouts ? { timeouts: extra.timeouts } : {}),
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { input: { type: "string" } } },
  },
};

describe("anthropic provider against the Anthropic test double", () => {
  let provider: ModelProvider;
  beforeAll(() => {
    provider = createAnthropicProvider({
      id: "claude",
      baseURL: `${upstream.baseURL}/v1/`,
      apiKey,
      headers: { "anthropic-beta": "test-beta" },
    });
  });

  it("sends an Anthropic request with key, version and headers, translated from OpenAI's", async () => {
    await provider.doGenerate(
      request({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "hello" },
        ],
        temperature: 1.5,
        stop: "END",
        user: "user-7",
      }),
      call(),
    );
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe("/v1/messages");
    expect(sent?.headers["x-api-key"]).toBe(apiKey);
    expect(sent?.headers["anthropic-version"]).toBe(anthropicApiVersion);
    expect(sent?.headers["anthropic-beta"]).toBe("test-beta");
    expect(sent?.body).toEqual({
      model: "test-chat",
      max_tokens: 4096,
      system: "Be brief.",
      messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
      temperature: 1,
      stop_sequences: ["END"],
      metadata: { user_id: "user-7" },
    });
  });

  it("lists every model across pages, with capabilities and context length", async () => {
    const models = await provider.listModels();
    expect(models.map((model) => model.id)).toEqual(Object.keys(defaultAnthropicTestModels));
    expect(models[0]).toEqual({
      id: "test-chat",
      capabilities: ["chat", "vision", "tools"],
      contextLength: 200_000,
    });
  });

  it("translates the answer: text, finish reasons and usage", async () => {
    const completion = await provider.doGenerate(request({ max_tokens: 3 }), call());
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("You said: one ");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 3);
    const stopped = await provider.doGenerate(request({ stop: ["three"] }), call());
    expect(stopped.choices[0]?.message.content).toBe("You said: one two ");
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
  });

  it("round-trips a tool call, whole and streamed", async () => {
    const first = await provider.doGenerate(
      request({ tools: [weatherTool], messages: [{ role: "user", content: "Paris" }] }),
      call(),
    );
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe("Calling get_weather.");
    expect(choice?.message.tool_calls).toEqual([
      {
        id: "toolu_test1",
        type: "function",
        function: { name: "get_weather", arguments: '{"input":"Paris"}' },
      },
    ]);
    expect(upstream.messageRequests().at(-1)?.tools).toEqual([
      {
        name: "get_weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { input: { type: "string" } } },
      },
    ]);

    const chunks = await collectChunks(
      provider.doStream(
        request({ tools: [weatherTool], messages: [{ role: "user", content: "Paris" }] }),
        call(),
      ),
    );
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: "toolu_test1",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(calls.map((delta) => delta.function?.arguments ?? "").join("")).toBe('{"input":"Paris"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");

    // The double checks that every tool_result answers a tool_use of the message before.
    const followUp = await provider.doGenerate(
      request({
        tools: [weatherTool],
        messages: [
          { role: "user", content: "Paris" },
          { role: "assistant", content: null, tool_calls: choice?.message.tool_calls },
          { role: "tool", tool_call_id: "toolu_test1", content: "18C and sunny" },
        ],
      }),
      call(),
    );
    expect(followUp.choices[0]?.message.content).toBe("Tool said: 18C and sunny");
    expect(upstream.messageRequests().at(-1)?.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Paris" }] },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_test1", name: "get_weather", input: { input: "Paris" } }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_test1", content: "18C and sunny" }],
      },
    ]);
  });

  it("sends images as base64 or URL sources and refuses other image URLs before calling", async () => {
    const image = (url: string): ChatCompletionRequest["messages"] => [
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url } },
        ],
      },
    ];
    await provider.doGenerate(request({ messages: image("data:image/png;base64,iVBORw0KGgo=") }), call());
    expect((upstream.messageRequests().at(-1)?.messages as unknown[] | undefined)?.[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      ],
    });
    await provider.doGenerate(request({ messages: image("https://example.com/cat.jpg") }), call());
    expect(JSON.stringify(upstream.messageRequests().at(-1))).toContain(
      '{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}',
    );
    const before = upstream.requests.length;
    await expect(
      provider.doGenerate(request({ messages: image("data:image/bmp;base64,Qk0=") }), call()),
    ).rejects.toMatchObject({
      status: 400,
      retryable: false,
    });
    await expect(
      provider.doGenerate(request({ messages: image("ftp://example.com/x.png") }), call()),
    ).rejects.toMatchObject({
      status: 400,
    });
    expect(upstream.requests.length).toBe(before);
  });

  it("maps 429 to a retryable ProviderError with Retry-After", async () => {
    await expect(provider.doGenerate(request(), call("test-rate-limited"))).rejects.toMatchObject({
      status: 429,
      retryable: true,
      options: { retryAfterSeconds: 7, type: "rate_limit_error" },
    });
  });

  it("maps 529 overloaded to a retryable 503, 500 to retryable, 404 to not", async () => {
    await expect(provider.doGenerate(request(), call("test-overloaded"))).rejects.toMatchObject({
      status: 503,
      retryable: true,
      options: { type: "server_error", code: "upstream_overloaded" },
    });
    await expect(
      collectChunks(provider.doStream(request(), call("test-server-error"))),
    ).rejects.toMatchObject({
      status: 500,
      retryable: true,
      options: { type: "server_error" },
    });
    await expect(collectChunks(provider.doStream(request(), call("nope")))).rejects.toMatchObject({
      status: 404,
      retryable: false,
      options: { type: "invalid_request_error", code: "model_not_found" },
    });
  });

  it("turns an upstream that rejects Nexus's key into a 502, and a refused connection into a retryable 502", async () => {
    const wrongKey = createAnthropicProvider({ id: "claude", baseURL: upstream.baseURL, apiKey: "bad" });
    await expect(wrongKey.listModels()).rejects.toMatchObject({
      status: 502,
      options: { code: "upstream_auth_failed" },
    });
    const closed = createAnthropicProvider({ id: "gone", baseURL: "http://127.0.0.1:1" });
    await expect(closed.listModels()).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it("times out a slow first token with a retryable 504, from the call's timeouts", async () => {
    const slow = collectChunks(
      provider.doStream(request(), call("test-slow", { timeouts: { firstTokenMs: 150 } })),
    );
    await expect(slow).rejects.toMatchObject({
      status: 504,
      retryable: true,
      options: { code: "upstream_timeout" },
    });
  });

  it("errors, not hangs, when the stream dies midway or sends an error event, after yielding what arrived", async () => {
    for (const [model, expected] of [
      ["test-dies-midway", { status: 502, retryable: false }],
      ["test-stream-error", { status: 503, retryable: false, options: { code: "upstream_overloaded" } }],
    ] as const) {
      const received: ChatCompletionChunk[] = [];
      const failure = await (async () => {
        for await (const chunk of provider.doStream(request(), call(model))) received.push(chunk);
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject(expected);
      expect(textOfChunks(received)).toBe("You said: ");
    }
  });

  it("aborts the upstream request when the consumer stops early or the signal aborts", async () => {
    for await (const _chunk of provider.doStream(request(), call("test-dribble"))) break;
    const stopped = upstream.requests.at(-1);
    await expect.poll(() => stopped?.aborted).toBe(true);

    const controller = new AbortController();
    const done = collectChunks(
      provider.doStream(request(), call("test-dribble", { signal: controller.signal })),
    );
    await expect
      .poll(() => upstream.requests.at(-1)?.body)
      .toMatchObject({ model: "test-dribble", stream: true });
    controller.abort();
    await expect(done).rejects.toMatchObject({ status: 499 });
    await expect.poll(() => upstream.requests.at(-1)?.aborted).toBe(true);
  });

  it("yields each chunk as it arrives, not after the stream ends", async () => {
    const started = Date.now();
    const iterator = provider.doStream(request(), call("test-dribble"))[Symbol.asyncIterator]();
    await iterator.next();
    const first = Date.now() - started;
    await collectChunks({ [Symbol.asyncIterator]: () => iterator });
    // test-dribble waits 50 ms before each of its 6 text deltas.
    expect(first).toBeLessThan(Date.now() - started - 150);
  });
});
