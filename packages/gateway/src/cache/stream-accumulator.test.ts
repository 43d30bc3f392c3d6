import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Usage,
} from "../protocol/openai-chat.ts";
import type { ModelProvider } from "../providers/model-provider.ts";
import { createOpenAICompatibleProvider } from "../providers/openai-compatible-provider.ts";
import { collectChunks } from "../testing/chunk-streams.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import { cacheableCompletion } from "./cached-completion.ts";
import {
  accumulateStream,
  createStreamAccumulator,
  replayAsStream,
  splitIntoPieces,
} from "./stream-accumulator.ts";

let upstream: OpenAITestServer;
let provider: ModelProvider;
beforeAll(async () => {
  upstream = await startOpenAITestServer();
  provider = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
});
afterAll(() => upstream.close());

const call = (model = "test-chat") => ({ model, signal: AbortSignal.timeout(10_000) });
const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { input: { type: "string" } } },
  },
};
const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "alias",
  messages: [{ role: "user", content: "the quick brown fox jumps over the lazy dog" }],
  ...extra,
});

describe("stream accumulator on real streams from the OpenAI test double", () => {
  it("builds the same answer and usage as the non-streamed call", async () => {
    const streamed = request({ stream: true, stream_options: { include_usage: true } });
    const chunks = await collectChunks(provider.doStream(streamed, call()));
    expect(chunks.length).toBeGreaterThan(5);
    const accumulator = createStreamAccumulator();
    for (const chunk of chunks) accumulator.add(chunk);
    const whole = await provider.doGenerate(request(), call());

    expect(accumulator.finished).toBe(true);
    // The double reports the second call's prompt as prefix-cached, so compare the counts only.
    const counts = (usage: Usage | undefined) =>
      usage && {
        prompt: usage.prompt_tokens,
        completion: usage.completion_tokens,
        total: usage.total_tokens,
      };
    expect(counts(accumulator.usage)).toEqual(counts(whole.usage));
    expect(accumulator.usage?.total_tokens).toBeGreaterThan(0);
    const built = accumulator.completion();
    expect(built).toMatchObject({ id: chunks[0]?.id, object: "chat.completion", model: "test-chat" });
    expect(built.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: "You said: the quick brown fox jumps over the lazy dog" },
        finish_reason: "stop",
      },
    ]);
    expect(built.choices[0]?.message).toEqual(whole.choices[0]?.message);
    expect(built.usage).toEqual(accumulator.usage);
  });

  it("collects streamed tool calls with their arguments, content null, as the JSON answer has them", async () => {
    const withTools = request({ tools: [weatherTool] });
    const built = await accumulateStream(provider.doStream({ ...withTools, stream: true }, call()));
    const whole = await provider.doGenerate(withTools, call());
    expect(built.choices[0]?.message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_test1",
          type: "function",
          function: {
            name: "get_weather",
            arguments: JSON.stringify({ input: "the quick brown fox jumps over the lazy dog" }),
          },
        },
      ],
    });
    expect(built.choices[0]?.message.tool_calls).toEqual(whole.choices[0]?.message.tool_calls);
    expect(built.choices[0]?.finish_reason).toBe("tool_calls");
    expect(cacheableCompletion(built)).toBeDefined();
  });

  it("leaves a stream cut off midway unfinished, so it is never cached", async () => {
    const accumulator = createStreamAccumulator();
    await expect(async () => {
      for await (const chunk of provider.doStream({ ...request(), stream: true }, call("test-dies-midway"))) {
        accumulator.add(chunk);
      }
    }).rejects.toThrow();
    expect(accumulator.finished).toBe(false);
    const partial = accumulator.completion();
    expect(partial.choices[0]?.message.content).toBe("You said: ");
    expect(partial.choices[0]?.finish_reason).toBeNull();
    expect(cacheableCompletion(partial)).toBeUndefined();
  });

  it("joins arguments streamed in pieces and keeps parallel tool calls apart by index", () => {
    const base = { id: "c1", object: "chat.completion.chunk" as const, created: 5, model: "m" };
    const delta = (
      value: ChatCompletionChunk["choices"][number]["delta"],
      finish: "tool_calls" | null = null,
    ) => ({
      ...base,
      choices: [{ index: 0, delta: value, finish_reason: finish }],
    });
    const accumulator = createStreamAccumulator();
    for (const chunk of [
      delta({ role: "assistant" }),
      delta({
        tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "first", arguments: "" } }],
      }),
      delta({
        tool_calls: [
          { index: 1, id: "b", type: "function", function: { name: "second", arguments: '{"y"' } },
        ],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { name: "first", arguments: "1}" } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: ":2}" } }] }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]) {
      accumulator.add(chunk);
    }
    expect(accumulator.completion()).toEqual({
      ...base,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "first", arguments: '{"x":1}' } },
              { id: "b", type: "function", function: { name: "second", arguments: '{"y":2}' } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it("gives an empty unfinished completion for a stream with no chunks", async () => {
    const built = await accumulateStream((async function* () {})());
    expect(built.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "" }, finish_reason: null },
    ]);
  });
});

describe("replayAsStream", () => {
  const text: ChatCompletion = {
    id: "chatcmpl-cached",
    object: "chat.completion",
    created: 1_700_000_123,
    model: "test-chat",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Write-ahead logging keeps readers and the writer apart. ".repeat(6),
        },
        finish_reason: "length",
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 60, total_tokens: 71 },
  };

  it("replays a cached answer that accumulates back to the same completion, usage included when asked", async () => {
    const chunks = await collectChunks(replayAsStream(text, { stream_options: { include_usage: true } }));
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(1);
    expect(contentChunks.length).toBeLessThanOrEqual(8);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: text.usage });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.every((chunk) => chunk.id === text.id && chunk.object === "chat.completion.chunk")).toBe(
      true,
    );
    expect(await accumulateStream(replayAsStream(text, { stream_options: { include_usage: true } }))).toEqual(
      text,
    );
  });

  it("sends no usage chunk and no usage fields unless the request asks", async () => {
    const chunks = await collectChunks(replayAsStream(text, {}));
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    const { usage: _usage, ...withoutUsage } = text;
    expect(await accumulateStream(replayAsStream(text, {}))).toEqual(withoutUsage);
  });

  it("replays tool calls, and a real tool-call answer survives the round trip", async () => {
    const whole = await provider.doGenerate(request({ tools: [weatherTool] }), call());
    const replayed = await accumulateStream(
      replayAsStream(whole, { stream_options: { include_usage: true } }),
    );
    expect(replayed.choices).toEqual(
      whole.choices.map(({ index, message, finish_reason }) => ({ index, message, finish_reason })),
    );
    expect(replayed.usage).toEqual(whole.usage);
  });

  it("splits text into at most the asked pieces that join back to it", () => {
    for (const sample of [
      "",
      "one",
      "a b",
      "x".repeat(500),
      "word ".repeat(101),
      "  leading and trailing  \n",
    ]) {
      const pieces = splitIntoPieces(sample, 8);
      expect(pieces.join("")).toBe(sample);
      expect(pieces.length).toBeLessThanOrEqual(8);
      expect(pieces.every((piece) => piece !== "")).toBe(true);
    }
  });
});
