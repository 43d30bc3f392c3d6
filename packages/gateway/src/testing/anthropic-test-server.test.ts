import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicTestServer, startAnthropicTestServer } from "./anthropic-test-server.ts";

describe("Anthropic test server", () => {
  let upstream: AnthropicTestServer;
  beforeAll(async () => {
    upstream = await startAnthropicTestServer({ apiKey: "sk-ant-test", maxPageSize: 3 });
  });
  afterAll(() => upstream.close());

  const headers = {
    "x-api-key": "sk-ant-test",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
  };
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${upstream.baseURL}/v1/messages`, {
      method: "POST",
      headers: { ...headers, ...extra },
      body: JSON.stringify(body),
    });
  const hello = { model: "test-chat", max_tokens: 64, messages: [{ role: "user", content: "hi there" }] };

  it("answers a message as Anthropic does", async () => {
    const response = await post(hello);
    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    expect(await response.json()).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: "message",
      role: "assistant",
      model: "test-chat",
      content: [{ type: "text", text: "You said: hi there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: expect.any(Number),
        output_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it("frames a stream exactly like Anthropic: named events, a ping, blocks, delta, stop", async () => {
    const response = await post({ ...hello, stream: true });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = (await response.text()).split("\n\n").filter(Boolean);
    const events = frames.map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split("\n");
      expect(rest).toEqual([]);
      const name = eventLine?.replace(/^event: /, "");
      const data = JSON.parse(dataLine?.replace(/^data: /, "") ?? "");
      expect(data.type).toBe(name);
      return data;
    });
    expect(events.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.map((event) => event.delta?.text ?? "").join("")).toBe("You said: hi there");
    expect(events.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 4 },
    });
  });

  it("calls the first tool when tools are offered, streaming its input as JSON pieces", async () => {
    const tools = [{ name: "get_weather", input_schema: { type: "object" } }];
    const response = await post({ ...hello, tools, stream: true });
    const events = (await response.text())
      .split("\n\n")
      .filter(Boolean)
      .map((frame) => JSON.parse(frame.split("\n")[1]?.slice(6) ?? ""));
    const toolStart = events.find((event) => event.content_block?.type === "tool_use");
    expect(toolStart).toMatchObject({
      index: 1,
      content_block: { id: "toolu_test1", name: "get_weather", input: {} },
    });
    const json = events
      .filter((event) => event.delta?.type === "input_json_delta")
      .map((event) => event.delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ input: "hi there" });
    expect(events.find((event) => event.type === "message_delta").delta.stop_reason).toBe("tool_use");
  });

  it("rejects a wrong key with 401 and a missing version with 400, in Anthropic's error shape", async () => {
    const unauthorized = await post(hello, { "x-api-key": "nope" });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "invalid x-api-key" },
      request_id: expect.stringMatching(/^req_/),
    });
    const response = await fetch(`${upstream.baseURL}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-ant-test", "content-type": "application/json" },
      body: JSON.stringify(hello),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual({
      type: "invalid_request_error",
      message: "anthropic-version: header is required",
    });
  });

  it("rejects unknown models, unknown fields, missing max_tokens and orphan tool results", async () => {
    const missing = await post({ ...hello, model: "nope" });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.type).toBe("not_found_error");
    const extra = await post({ ...hello, stream_options: { include_usage: true } });
    expect(extra.status).toBe(400);
    const { max_tokens: _maxTokens, ...withoutMax } = hello;
    const noMax = await post(withoutMax);
    expect((await noMax.json()).error).toMatchObject({
      type: "invalid_request_error",
      message: /max_tokens/,
    });
    const orphan = await post({
      ...hello,
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_x", content: "1" }] }],
    });
    expect(orphan.status).toBe(400);
    expect((await orphan.json()).error.message).toMatch(/tool_use_id/);
  });

  it("answers 429 with Retry-After and 529 overloaded_error", async () => {
    const limited = await post({ ...hello, model: "test-rate-limited" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await limited.json()).error.type).toBe("rate_limit_error");
    const overloaded = await post({ ...hello, model: "test-overloaded" });
    expect(overloaded.status).toBe(529);
    expect((await overloaded.json()).error).toEqual({ type: "overloaded_error", message: "Overloaded" });
  });

  it("pages the model list with limit and after_id", async () => {
    const get = (query: string) =>
      fetch(`${upstream.baseURL}/v1/models${query}`, { headers }).then((response) => response.json());
    const first = await get("?limit=1000");
    expect(first.data).toHaveLength(3);
    expect(first.data[0]).toMatchObject({ type: "model", id: "test-chat" });
    expect(first.has_more).toBe(true);
    const second = await get(`?limit=1000&after_id=${first.last_id}`);
    expect(second.data[0].id).not.toBe(first.data[0].id);
  });

  it("destroys the socket midway for test-dies-midway and sends an error event for test-stream-error", async () => {
    const long = { ...hello, messages: [{ role: "user", content: "one two three four five" }], stream: true };
    const dying = await post({ ...long, model: "test-dies-midway" });
    await expect(dying.text()).rejects.toThrow();
    const failing = await post({ ...long, model: "test-stream-error" });
    const text = await failing.text();
    expect(
      text.endsWith(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    ).toBe(true);
  });
});
