import fs from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AnthropicTestServer,
  startAnthropicTestServer,
} from "../../../packages/gateway/src/testing/anthropic-test-server.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

const sharedModel = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");

/**
 * The official Anthropic client against Nexus's `/v1/messages`, served by the OpenAI test double
 * (an instance upstream), by the Anthropic test double (a workspace's Anthropic provider, behind
 * aliases) and by a real local GGUF model.
 */
describe("Anthropic Messages API", () => {
  let openaiUpstream: OpenAITestServer;
  let anthropicUpstream: AnthropicTestServer;
  let server: TestServer;
  let key: string;
  let client: Anthropic;

  beforeAll(async () => {
    openaiUpstream = await startOpenAITestServer({ apiKey: "sk-upstream" });
    anthropicUpstream = await startAnthropicTestServer({ apiKey: "sk-ant-upstream" });
    server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: openaiUpstream.baseURL, apiKey: "sk-upstream" }],
    });
    // The local provider finds GGUF files when asked for one; nothing has been asked yet.
    const modelsDir = server.nexus.dependencies.config.modelsDir;
    fs.mkdirSync(modelsDir, { recursive: true });
    fs.copyFileSync(sharedModel, path.join(modelsDir, "tiny.gguf"));
    key = await server.key("agentx", "member");
    const admin = await server.key("agentx", "admin");
    const created = await server.call("/api/gateway/providers", {
      method: "POST",
      key: admin,
      json: {
        id: "claude",
        kind: "anthropic",
        baseURL: anthropicUpstream.baseURL,
        apiKey: "sk-ant-upstream",
      },
    });
    expect(created.status).toBe(201);
    for (const [alias, model] of [
      ["claude-chat", "test-chat"],
      ["claude-overloaded", "test-overloaded"],
      ["claude-stream-error", "test-stream-error"],
    ]) {
      const response = await server.call(`/api/gateway/aliases/${alias}`, {
        method: "PUT",
        key: admin,
        json: { retries: 0, deployments: [{ provider: "claude", model }] },
      });
      expect(response.status).toBe(201);
    }
    client = new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await openaiUpstream?.close();
    await anthropicUpstream?.close();
  });

  const user = (content: string) => [{ role: "user" as const, content }];
  const weatherTool: Anthropic.Tool = {
    name: "get_weather",
    description: "Weather for a city",
    input_schema: { type: "object", properties: { input: { type: "string" } } },
  };

  it("lists models in Anthropic's shape for Anthropic clients", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("double/test-chat");
  });

  it("creates a message, sending the upstream the translated OpenAI request", async () => {
    const message = await client.messages.create({
      model: "double/test-chat",
      max_tokens: 64,
      system: "Be brief.",
      messages: [{ role: "system", content: "Use metric." }, ...user("hello there")],
      stop_sequences: ["STOP"],
    });
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "double/test-chat",
      content: [{ type: "text", text: "You said: hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message._request_id).toBeTruthy();
    expect(openaiUpstream.chatRequests().at(-1)).toEqual({
      model: "test-chat",
      max_tokens: 64,
      stop: ["STOP"],
      messages: [
        { role: "system", content: "Be brief." },
        { role: "system", content: "Use metric." },
        { role: "user", content: "hello there" },
      ],
    });
  });

  it("asks for structured output with output_config.format", async () => {
    const message = await client.messages.create({
      model: "double/test-chat",
      max_tokens: 64,
      messages: user("json please"),
      output_config: { format: { type: "json_schema", schema: { type: "object" } } },
    });
    const text = message.content[0]?.type === "text" ? message.content[0].text : "";
    expect(JSON.parse(text)).toEqual({ echo: "json please" });
  });

  it("streams with client.messages.stream, text as it comes and the final message", async () => {
    const pieces: string[] = [];
    const stream = client.messages.stream({
      model: "double/test-chat",
      max_tokens: 64,
      messages: user("one two three"),
    });
    stream.on("text", (text) => pieces.push(text));
    const final = await stream.finalMessage();
    expect(pieces.join("")).toBe("You said: one two three");
    expect(pieces.length).toBeGreaterThan(3);
    expect(final.content).toEqual([{ type: "text", text: "You said: one two three" }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it("streams with stream: true as Anthropic's event sequence", async () => {
    const stream = await client.messages.create({
      model: "double/test-chat",
      max_tokens: 64,
      messages: user("hi"),
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types.filter((type) => type === "content_block_delta").length).toBeGreaterThan(0);
  });

  it("frames the stream exactly like Anthropic and forwards each event unbuffered", async () => {
    const started = Date.now();
    const response = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({
        model: "double/test-dribble",
        max_tokens: 64,
        messages: user("one two three"),
        stream: true,
      }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    const firstByte = Date.now() - started;
    for (let read = await reader.read(); !read.done; read = await reader.read())
      text += decoder.decode(read.value);
    // test-dribble waits 50 ms before each of its content chunks.
    expect(firstByte).toBeLessThan(Date.now() - started - 150);
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    for (const frame of text.split("\n\n").filter(Boolean)) {
      const [event, data] = frame.split("\n");
      expect(JSON.parse(data?.slice("data: ".length) ?? "").type).toBe(event?.slice("event: ".length));
    }
  });

  it("round-trips a tool use, whole and streamed", async () => {
    const first = await client.messages.create({
      model: "double/test-chat",
      max_tokens: 64,
      tools: [weatherTool],
      messages: user("Paris"),
    });
    expect(first.stop_reason).toBe("tool_use");
    const toolUse = first.content.find((block) => block.type === "tool_use");
    expect(toolUse).toMatchObject({ type: "tool_use", name: "get_weather", input: { input: "Paris" } });
    expect(openaiUpstream.chatRequests().at(-1)?.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: weatherTool.input_schema,
        },
      },
    ]);
    const second = await client.messages.create({
      model: "double/test-chat",
      max_tokens: 64,
      tools: [weatherTool],
      messages: [
        ...user("Paris"),
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: toolUse?.type === "tool_use" ? toolUse.id : "",
              content: "sunny",
            },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "Tool said: sunny" }]);

    const streamed = await client.messages
      .stream({ model: "double/test-chat", max_tokens: 64, tools: [weatherTool], messages: user("Rome") })
      .finalMessage();
    expect(streamed.stop_reason).toBe("tool_use");
    expect(streamed.content.find((block) => block.type === "tool_use")).toMatchObject({
      input: { input: "Rome" },
    });
  });

  it("reaches an Anthropic upstream through a workspace's provider and alias, whole and streamed", async () => {
    const message = await client.messages.create({
      model: "claude-chat",
      max_tokens: 64,
      messages: user("via claude"),
    });
    expect(message.content).toEqual([{ type: "text", text: "You said: via claude" }]);
    const sent = anthropicUpstream.requests.at(-1);
    expect(sent?.headers["x-api-key"]).toBe("sk-ant-upstream");
    expect(sent?.body).toMatchObject({ model: "test-chat", max_tokens: 64 });

    const stream = client.messages.stream({
      model: "claude-chat",
      max_tokens: 64,
      tools: [weatherTool],
      messages: user("Oslo"),
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([
      { type: "text", text: "Calling get_weather." },
      { type: "tool_use", id: "toolu_test1", name: "get_weather", input: { input: "Oslo" } },
    ]);
    expect(final.stop_reason).toBe("tool_use");
  });

  it("answers errors in Anthropic's shape, raised by the SDK as its error classes", async () => {
    const missing = await client.messages
      .create({ model: "no-such-model", max_tokens: 8, messages: user("x") })
      .catch((error) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.type).toBe("not_found_error");
    const missingStream = await client.messages
      .create({ model: "no-such-model", max_tokens: 8, messages: user("x"), stream: true })
      .catch((error) => error);
    expect(missingStream).toBeInstanceOf(Anthropic.NotFoundError);

    const limited = await client.messages
      .create({ model: "double/test-rate-limited", max_tokens: 8, messages: user("x") })
      .catch((error) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.headers.get("retry-after")).toBe("7");

    const overloaded = await client.messages
      .create({ model: "claude-overloaded", max_tokens: 8, messages: user("x") })
      .catch((error) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded.type).toBe("overloaded_error");

    const badKey = new Anthropic({ baseURL: server.url, apiKey: "nx_wrong", maxRetries: 0 });
    const unauthorized = await badKey.messages
      .create({ model: "double/test-chat", max_tokens: 8, messages: user("x") })
      .catch((error) => error);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(unauthorized.type).toBe("authentication_error");
  });

  it("answers bad input with 400 invalid_request_error and a missing key with 401", async () => {
    const post = (body: string, headers: Record<string, string> = { "x-api-key": key }) =>
      fetch(`${server.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    for (const body of [
      JSON.stringify({ model: "double/test-chat", messages: user("no max_tokens") }),
      JSON.stringify({
        model: "double/test-chat",
        max_tokens: 8,
        messages: [{ role: "wizard", content: "x" }],
      }),
      JSON.stringify({
        model: "double/test-chat",
        max_tokens: 8,
        messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }],
      }),
      "{not json",
    ]) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      const error = await response.json();
      expect(error).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error" },
        request_id: expect.any(String),
      });
      expect(error.error.message.length).toBeGreaterThan(0);
    }
    const noKey = await post(
      JSON.stringify({ model: "double/test-chat", max_tokens: 8, messages: user("x") }),
      {},
    );
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const malformed = await client.messages
      .create({ model: "double/test-chat", max_tokens: -1, messages: user("x") })
      .catch((error) => error);
    expect(malformed).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("ends a stream that fails midway with an error event the SDK raises", async () => {
    const stream = client.messages.stream({
      model: "claude-stream-error",
      max_tokens: 64,
      messages: user("one two three four"),
    });
    const failure = await stream.finalMessage().catch((error) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(failure.type).toBe("overloaded_error");
  });

  it("estimates input tokens with count_tokens, and 404s an unknown model", async () => {
    const counted = await client.messages.countTokens({
      model: "double/test-chat",
      messages: user("a".repeat(400)),
    });
    expect(counted.input_tokens).toBeGreaterThanOrEqual(100);
    expect(counted.input_tokens).toBeLessThan(120);
    const document = await (await server.call("/api/openapi.json")).json();
    expect(document.paths["/v1/messages"].post.summary).toMatch(/Messages API/);
    expect(document.paths["/v1/messages/count_tokens"].post.summary).toMatch(/estimate/);
    const missing = await client.messages
      .countTokens({ model: "no-such-model", messages: user("x") })
      .catch((error) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("answers from a real local GGUF model, whole and streamed", { timeout: 120_000 }, async () => {
    const message = await client.messages.create({
      model: "local/tiny",
      max_tokens: 4,
      messages: user("Hello"),
    });
    expect(message.content[0]?.type).toBe("text");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeLessThanOrEqual(4);
    expect(["end_turn", "max_tokens"]).toContain(message.stop_reason);
    const streamed = await client.messages
      .stream({ model: "local/tiny", max_tokens: 4, messages: user("Hello") })
      .finalMessage();
    expect(streamed.content.length).toBeGreaterThan(0);
    expect(streamed.usage.output_tokens).toBeGreaterThan(0);
  });
});
