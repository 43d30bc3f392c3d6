import { describe, expect, it } from "vitest";
import { anthropicMessagesRequestSchema, upstreamAnthropicEventSchema } from "./anthropic-messages.ts";
import { anthropicRequestToOpenAI } from "./anthropic-served-translation.ts";
import { createOpenAIChunkDecoder } from "./anthropic-upstream-stream.ts";
import { anthropicMessageToOpenAI, openaiRequestToAnthropic } from "./anthropic-upstream-translation.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "./openai-chat.ts";

describe("OpenAI request → Anthropic request", () => {
  it("gathers system messages, defaults max_tokens, clamps temperature and maps stops and user", () => {
    const anthropic = openaiRequestToAnthropic(
      {
        model: "alias",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Use metric." }] },
          { role: "user", content: "Hi" },
        ],
        temperature: 1.8,
        top_p: 0.5,
        stop: "END",
        user: "u1",
        seed: 3,
        top_k: 20,
      } as ChatCompletionRequest,
      "claude-x",
    );
    expect(anthropic).toEqual({
      model: "claude-x",
      max_tokens: 4096,
      system: "Be brief.\n\nUse metric.",
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      temperature: 1,
      top_p: 0.5,
      top_k: 20,
      stop_sequences: ["END"],
      metadata: { user_id: "u1" },
    });
    expect(anthropicMessagesRequestSchema.strict().safeParse(anthropic).success).toBe(true);
    expect(
      openaiRequestToAnthropic(
        { model: "a", messages: [{ role: "user", content: "x" }], max_completion_tokens: 9 },
        "c",
      ).max_tokens,
    ).toBe(9);
  });

  it("maps tools and choices, and merges tool results with the next user words into one turn", () => {
    const anthropic = openaiRequestToAnthropic(
      {
        model: "alias",
        tools: [
          {
            type: "function",
            function: { name: "f", parameters: { type: "object", properties: { a: { type: "number" } } } },
          },
        ],
        tool_choice: { type: "function", function: { name: "f" } },
        parallel_tool_calls: false,
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: "",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
              { id: "call_2", type: "function", function: { name: "f", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "one" },
          { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "two" }] },
          { role: "user", content: "and?" },
        ],
      },
      "claude-x",
    );
    expect(anthropic.tools).toEqual([
      { name: "f", input_schema: { type: "object", properties: { a: { type: "number" } } } },
    ]);
    expect(anthropic.tool_choice).toEqual({ type: "tool", name: "f", disable_parallel_tool_use: true });
    expect(anthropic.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
          { type: "tool_use", id: "call_2", name: "f", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "one" },
          { type: "tool_result", tool_use_id: "call_2", content: "two" },
          { type: "text", text: "and?" },
        ],
      },
    ]);
    const choiceOf = (tool_choice: ChatCompletionRequest["tool_choice"]) =>
      openaiRequestToAnthropic(
        {
          model: "a",
          messages: [{ role: "user", content: "x" }],
          tools: [{ type: "function", function: { name: "f" } }],
          tool_choice,
        },
        "c",
      ).tool_choice;
    expect(choiceOf("required")).toEqual({ type: "any" });
    expect(choiceOf("none")).toEqual({ type: "none" });
    expect(choiceOf("auto")).toEqual({ type: "auto" });
    expect(choiceOf(undefined)).toBeUndefined();
  });

  it("survives the round trip through the served translation", () => {
    const original = anthropicMessagesRequestSchema.parse({
      model: "claude-x",
      max_tokens: 50,
      system: "Sys",
      temperature: 0.2,
      stop_sequences: ["X"],
      tools: [{ name: "f", input_schema: { type: "object", properties: {} } }],
      tool_choice: { type: "auto" },
      messages: [
        { role: "user", content: [{ type: "text", text: "q" }] },
        {
          role: "assistant",
          content: [
            { type: "text", text: "calling" },
            { type: "tool_use", id: "t1", name: "f", input: { k: "v" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "r" },
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
          ],
        },
      ],
    });
    expect(openaiRequestToAnthropic(anthropicRequestToOpenAI(original), "claude-x")).toEqual(original);
  });
});

describe("Anthropic message → OpenAI completion", () => {
  it("joins text, maps tool_use to tool calls, stop reasons and usage (cached tokens included)", () => {
    const completion = anthropicMessageToOpenAI({
      id: "msg_1",
      model: "claude-x",
      content: [
        { type: "text", text: "Let me " },
        { type: "text", text: "check." },
        { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      usage: {
        input_tokens: 10,
        output_tokens: 4,
        cache_read_input_tokens: 5,
        cache_creation_input_tokens: 1,
      },
    });
    expect(completion).toMatchObject({
      id: "msg_1",
      object: "chat.completion",
      model: "claude-x",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 16, completion_tokens: 4, total_tokens: 20 },
    });
    const finishOf = (stop_reason: string) =>
      anthropicMessageToOpenAI({ id: "m", content: [], stop_reason }).choices[0]?.finish_reason;
    expect(["end_turn", "stop_sequence", "max_tokens", "refusal", "pause_turn"].map(finishOf)).toEqual([
      "stop",
      "stop",
      "length",
      "content_filter",
      "stop",
    ]);
    const toolOnly = anthropicMessageToOpenAI({
      id: "m",
      content: [{ type: "tool_use", id: "t", name: "f", input: {} }],
    });
    expect(toolOnly.choices[0]?.message.content).toBeNull();
  });
});

describe("Anthropic stream events → OpenAI chunks", () => {
  const events = [
    {
      type: "message_start",
      message: { id: "msg_9", model: "claude-x", content: [], usage: { input_tokens: 7, output_tokens: 1 } },
    },
    { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } },
    { type: "content_block_stop", index: 0 },
    { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
    { type: "ping" },
    { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi" } },
    { type: "content_block_stop", index: 1 },
    {
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "toolu_a", name: "f", input: {} },
    },
    { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "" } },
    { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":' } },
    { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "2}" } },
    { type: "content_block_stop", index: 2 },
    {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: 12 },
    },
    { type: "message_stop" },
  ].map((event) => upstreamAnthropicEventSchema.parse(event));

  const decodeAll = (includeUsage: boolean): ChatCompletionChunk[] => {
    const decoder = createOpenAIChunkDecoder({ includeUsage, model: "fallback" });
    const chunks = events.flatMap((event) => decoder.decode(event));
    expect(decoder.finished).toBe(true);
    return chunks;
  };

  it("gives role, text, tool-call and finish chunks, skipping thinking and pings", () => {
    const chunks = decodeAll(false);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "" },
      { content: "Hi" },
      { tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: "2}" } }] },
      {},
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ id: "msg_9", object: "chat.completion.chunk", model: "claude-x" });
  });

  it("ends with a usage chunk when asked, input from message_start and output from message_delta", () => {
    const chunks = decodeAll(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 12, total_tokens: 19 },
    });
    expect(chunks.slice(0, -1).every((chunk) => !chunk.usage)).toBe(true);
  });

  it("still gives one finish chunk when the upstream skipped message_delta", () => {
    const decoder = createOpenAIChunkDecoder({ includeUsage: false, model: "m" });
    decoder.decode(
      upstreamAnthropicEventSchema.parse({ type: "message_start", message: { id: "x", content: [] } }),
    );
    const last = decoder.decode(upstreamAnthropicEventSchema.parse({ type: "message_stop" }));
    expect(last.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["stop"]);
  });
});
