import { describe, expect, it } from "vitest";
import { ProviderError } from "../providers/provider-error.ts";
import {
  type AnthropicMessagesRequest,
  type AnthropicStreamEvent,
  anthropicMessagesRequestSchema,
} from "./anthropic-messages.ts";
import { createAnthropicEventEncoder } from "./anthropic-served-stream.ts";
import {
  anthropicModelListOf,
  anthropicRequestToOpenAI,
  openaiCompletionToAnthropic,
  toolInputOf,
} from "./anthropic-served-translation.ts";
import type { ChatCompletion, ChatCompletionChunk } from "./openai-chat.ts";

const parse = (body: unknown): AnthropicMessagesRequest => anthropicMessagesRequestSchema.parse(body);

describe("Anthropic request → OpenAI request", () => {
  it("maps system, sampling, stops, user and streaming (asking for usage)", () => {
    const openai = anthropicRequestToOpenAI(
      parse({
        model: "m",
        max_tokens: 100,
        system: [
          { type: "text", text: "You are " },
          { type: "text", text: "terse.", cache_control: { type: "ephemeral" } },
        ],
        messages: [{ role: "user", content: "Hi" }],
        temperature: 0.5,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ["END", "STOP"],
        metadata: { user_id: "u1" },
        stream: true,
      }),
    );
    expect(openai).toEqual({
      model: "m",
      max_tokens: 100,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop: ["END", "STOP"],
      user: "u1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("maps tools, tool choice and a tool round trip, tool results before the user's words", () => {
    const openai = anthropicRequestToOpenAI(
      parse({
        model: "m",
        max_tokens: 100,
        tools: [
          { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: {} } },
        ],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "two calls", signature: "sig" },
              { type: "text", text: "Checking." },
              { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
              { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Rome" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "18C" },
              {
                type: "tool_result",
                tool_use_id: "toolu_2",
                content: [{ type: "text", text: "no data" }],
                is_error: true,
              },
              { type: "text", text: "Thanks" },
            ],
          },
        ],
      }),
    );
    expect(openai.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather",
          parameters: { type: "object", properties: {} },
        },
      },
    ]);
    expect(openai.tool_choice).toBe("required");
    expect(openai.parallel_tool_calls).toBe(false);
    expect(openai.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          {
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "toolu_2",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18C" },
      { role: "tool", tool_call_id: "toolu_2", content: "Error: no data" },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("keeps system turns among the messages in place and maps output_config.format to a JSON schema", () => {
    const openai = anthropicRequestToOpenAI(
      parse({
        model: "m",
        max_tokens: 10,
        messages: [
          { role: "system", content: [{ type: "text", text: "Answer in JSON." }] },
          { role: "user", content: "Hi" },
        ],
        output_config: { format: { type: "json_schema", schema: { type: "object" } }, effort: "low" },
      }),
    );
    expect(openai.messages).toEqual([
      { role: "system", content: "Answer in JSON." },
      { role: "user", content: "Hi" },
    ]);
    expect(openai.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema: { type: "object" } },
    });
  });

  it("maps the other tool choices", () => {
    const choice = (tool_choice: unknown) =>
      anthropicRequestToOpenAI(
        parse({
          model: "m",
          max_tokens: 1,
          messages: [{ role: "user", content: "x" }],
          tools: [{ name: "t", input_schema: { type: "object" } }],
          tool_choice,
        }),
      );
    expect(choice({ type: "auto" }).tool_choice).toBe("auto");
    expect(choice({ type: "none" }).tool_choice).toBe("none");
    expect(choice({ type: "tool", name: "t" }).tool_choice).toEqual({
      type: "function",
      function: { name: "t" },
    });
    expect(choice({ type: "auto" }).parallel_tool_calls).toBeUndefined();
  });

  it("maps images (base64 and URL) to image_url parts, including images in tool results", () => {
    const openai = anthropicRequestToOpenAI(
      parse({
        model: "m",
        max_tokens: 1,
        messages: [
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }] },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "t1",
                content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }],
              },
              { type: "text", text: "What is it?" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            ],
          },
        ],
      }),
    );
    expect(openai.messages.slice(1)).toEqual([
      { role: "tool", tool_call_id: "t1", content: "" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
          { type: "text", text: "What is it?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
    ]);
  });

  it("refuses a tool_use block in a user message", () => {
    const request = parse({
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }],
    });
    expect(() => anthropicRequestToOpenAI(request)).toThrow(ProviderError);
  });

  it("rejects malformed requests at the schema with the field at fault", () => {
    const failures = [
      { model: "m", messages: [{ role: "user", content: "x" }] },
      { model: "m", max_tokens: 1, messages: [] },
      { model: "m", max_tokens: 1, messages: [{ role: "wizard", content: "x" }] },
      {
        model: "m",
        max_tokens: 1,
        messages: [
          { role: "system", content: [{ type: "image", source: { type: "url", url: "https://a.b/c.png" } }] },
        ],
      },
      { model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "document" }] }] },
      { model: "m", max_tokens: 1, temperature: 1.5, messages: [{ role: "user", content: "x" }] },
      {
        model: "m",
        max_tokens: 1,
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      },
    ];
    for (const body of failures)
      expect(anthropicMessagesRequestSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
  });
});

const completion = (
  message: Partial<ChatCompletion["choices"][number]["message"]>,
  finish: string,
  extra = {},
): ChatCompletion => ({
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1,
  model: "upstream-model",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: null, ...message },
      finish_reason: finish as never,
      ...extra,
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
});

describe("OpenAI completion → Anthropic message", () => {
  it("maps text, the client's model name, usage and end_turn", () => {
    expect(openaiCompletionToAnthropic(completion({ content: "Hello" }, "stop"), { model: "alias" })).toEqual(
      {
        id: "msg_abc123",
        type: "message",
        role: "assistant",
        model: "alias",
        content: [{ type: "text", text: "Hello" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 12,
          output_tokens: 5,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    );
  });

  it("maps tool calls to tool_use blocks and every finish reason", () => {
    const message = openaiCompletionToAnthropic(
      completion(
        {
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
            { id: "call_2", type: "function", function: { name: "g", arguments: "not json" } },
          ],
        },
        "tool_calls",
      ),
      { model: "alias" },
    );
    expect(message.content).toEqual([
      { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
      { type: "tool_use", id: "call_2", name: "g", input: { arguments: "not json" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    const stopOf = (finish: string, extra = {}) =>
      openaiCompletionToAnthropic(completion({ content: "x" }, finish, extra), {
        model: "a",
        stopSequences: ["END"],
      });
    expect(stopOf("length").stop_reason).toBe("max_tokens");
    expect(stopOf("content_filter").stop_reason).toBe("refusal");
    // vLLM names the stop string that matched.
    expect(stopOf("stop", { stop_reason: "END" })).toMatchObject({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
    expect(stopOf("stop", { stop_reason: 2 })).toMatchObject({
      stop_reason: "end_turn",
      stop_sequence: null,
    });
  });

  it("keeps tool arguments that are not a JSON object", () => {
    expect(toolInputOf("")).toEqual({});
    expect(toolInputOf("[1]")).toEqual({ arguments: "[1]" });
  });
});

const chunk = (
  delta: ChatCompletionChunk["choices"][number]["delta"],
  finish: string | null = null,
): ChatCompletionChunk => ({
  id: "chatcmpl-s1",
  object: "chat.completion.chunk",
  created: 1,
  model: "upstream",
  choices: [{ index: 0, delta, finish_reason: finish as never }],
});

describe("OpenAI chunks → Anthropic stream events", () => {
  const encodeAll = (chunks: ChatCompletionChunk[]): AnthropicStreamEvent[] => {
    const encoder = createAnthropicEventEncoder({ model: "alias" });
    return [...chunks.flatMap((item) => encoder.encode(item)), ...encoder.finish()];
  };

  it("opens the message, streams text in one block, and ends with stop reason and usage", () => {
    const events = encodeAll([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
      { ...chunk({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } },
    ]);
    expect(events).toEqual([
      {
        type: "message_start",
        message: {
          id: "msg_s1",
          type: "message",
          role: "assistant",
          model: "alias",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
      },
      { type: "ping" },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { input_tokens: 9, output_tokens: 2 },
      },
      { type: "message_stop" },
    ]);
  });

  it("turns text then streamed tool calls into a text block and one tool_use block per call", () => {
    const events = encodeAll([
      chunk({ role: "assistant", content: "Let me check." }),
      chunk({
        tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({
        tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }],
      }),
      chunk({}, "tool_calls"),
    ]);
    const shape = events
      .filter((event) => event.type !== "message_start" && event.type !== "ping")
      .map((event) => {
        if (event.type === "content_block_start") return `start ${event.index} ${event.content_block.type}`;
        if (event.type === "content_block_delta") {
          return `delta ${event.index} ${event.delta.type === "text_delta" ? event.delta.text : event.delta.partial_json}`;
        }
        if (event.type === "content_block_stop") return `stop ${event.index}`;
        if (event.type === "message_delta") return `end ${event.delta.stop_reason}`;
        return event.type;
      });
    expect(shape).toEqual([
      "start 0 text",
      "delta 0 Let me check.",
      "stop 0",
      "start 1 tool_use",
      'delta 1 {"x":',
      "delta 1 1}",
      "stop 1",
      "start 2 tool_use",
      "delta 2 {}",
      "stop 2",
      "end tool_use",
      "message_stop",
    ]);
    expect(events.find((event) => event.type === "content_block_start" && event.index === 1)).toMatchObject({
      content_block: { type: "tool_use", id: "call_a", name: "f", input: {} },
    });
  });

  it("still frames a whole message when the chunks end with nothing, and maps length", () => {
    const empty = encodeAll([]);
    expect(empty.map((event) => event.type)).toEqual([
      "message_start",
      "ping",
      "message_delta",
      "message_stop",
    ]);
    const cut = encodeAll([chunk({ content: "a" }, "length")]);
    expect(cut.find((event) => event.type === "message_delta")).toMatchObject({
      delta: { stop_reason: "max_tokens" },
    });
  });
});

describe("model list in Anthropic's shape", () => {
  it("lists every model on one page with its creation time", () => {
    expect(
      anthropicModelListOf([
        { id: "fast", object: "model", created: 1_700_000_000, owned_by: "nexus" },
        { id: "local/tiny", object: "model", created: 0, owned_by: "local" },
      ]),
    ).toEqual({
      data: [
        { type: "model", id: "fast", display_name: "fast", created_at: "2023-11-14T22:13:20.000Z" },
        {
          type: "model",
          id: "local/tiny",
          display_name: "local/tiny",
          created_at: "1970-01-01T00:00:00.000Z",
        },
      ],
      has_more: false,
      first_id: "fast",
      last_id: "local/tiny",
    });
    expect(anthropicModelListOf([])).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });
});
