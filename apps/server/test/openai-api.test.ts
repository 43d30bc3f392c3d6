import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { errorOf, startTestServer, type TestServer } from "./test-server.ts";

/** The official OpenAI client against Nexus, in front of the OpenAI test double. */
describe("OpenAI-compatible API", () => {
  let upstream: OpenAITestServer;
  let server: TestServer;
  let key: string;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startOpenAITestServer({ apiKey: "sk-upstream" });
    server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL, apiKey: "sk-upstream" }],
    });
    key = await server.key("agentx", "member");
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const user = (content: string) => [{ role: "user" as const, content }];

  it("lists the upstream's models, prefixed and bare", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("double/test-chat");
    expect(ids).toContain("test-chat");
  });

  it("completes a chat, sending the upstream its own model name and the request as sent", async () => {
    const completion = await client.chat.completions.create({
      model: "double/test-chat",
      messages: user("hello there"),
      temperature: 0.2,
      seed: 7,
    });
    expect(completion.choices[0]?.message.content).toBe("You said: hello there");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(upstream.chatRequests().at(-1)).toEqual({
      model: "test-chat",
      messages: user("hello there"),
      temperature: 0.2,
      seed: 7,
    });
  });

  it("streams chunks in order, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "test-chat",
      messages: user("one two three"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? "");
      finish ??= chunk.choices[0]?.finish_reason;
      usage ??= chunk.usage;
    }
    expect(pieces.join("")).toBe("You said: one two three");
    expect(pieces.filter(Boolean).length).toBeGreaterThan(3);
    expect(finish).toBe("stop");
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it("frames the stream exactly like OpenAI", async () => {
    const response = await server.call("/v1/chat/completions", {
      method: "POST",
      key,
      json: { model: "test-chat", messages: user("hi"), stream: true },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    // The stream is written outside Fastify's send: the headers its hooks set must still go out.
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const text = await response.text();
    expect(text.startsWith('data: {"id":')).toBe(true);
    expect(text.endsWith("\n\ndata: [DONE]\n\n")).toBe(true);
  });

  it("forwards each chunk as it arrives, without buffering the stream", async () => {
    const started = Date.now();
    const response = await server.call("/v1/chat/completions", {
      method: "POST",
      key,
      json: { model: "test-dribble", messages: user("one two three"), stream: true },
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const firstByte = Date.now() - started;
    while (!(await reader.read()).done);
    // test-dribble waits 50 ms before each of its 5 content chunks.
    expect(firstByte).toBeLessThan(Date.now() - started - 150);
  });

  it("round-trips a tool call", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { input: { type: "string" } } },
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: "test-chat",
      messages: user("Paris"),
      tools,
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function).toEqual({
      name: "get_weather",
      arguments: '{"input":"Paris"}',
    });
    expect(upstream.chatRequests().at(-1)?.tools).toEqual(tools);
    const second = await client.chat.completions.create({
      model: "test-chat",
      tools,
      messages: [
        ...user("Paris"),
        { role: "assistant", content: null, tool_calls: first.choices[0]?.message.tool_calls },
        { role: "tool", tool_call_id: call?.id ?? "", content: "sunny" },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("Tool said: sunny");
  });

  it("passes response_format through", async () => {
    const response_format = {
      type: "json_schema" as const,
      json_schema: { name: "echo", schema: { type: "object", properties: { echo: { type: "string" } } } },
    };
    const completion = await client.chat.completions.create({
      model: "test-chat",
      messages: user("json please"),
      response_format,
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({ echo: "json please" });
    expect(upstream.chatRequests().at(-1)?.response_format).toEqual(response_format);
  });

  it("creates embeddings (base64, the client's default, and float)", async () => {
    const encoded = await client.embeddings.create({ model: "test-embed", input: ["a", "b"] });
    expect(encoded.data).toHaveLength(2);
    expect(encoded.data[0]?.embedding).toHaveLength(8);
    const floats = await client.embeddings.create({
      model: "test-embed",
      input: "a",
      encoding_format: "float",
    });
    expect(floats.data[0]?.embedding[0]).toBeCloseTo(encoded.data[0]?.embedding[0] ?? Number.NaN, 5);
  });

  it("refuses requests without a key with 401", async () => {
    const response = await server.call("/v1/chat/completions", {
      method: "POST",
      json: { model: "test-chat", messages: user("x") },
    });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).type).toBe("authentication_error");
    expect((await server.call("/v1/models")).status).toBe(401);
  });

  it("answers an unknown model with 404 model_not_found", async () => {
    const failure = await client.chat.completions
      .create({ model: "no-such-model", messages: user("x") })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const streamed = await client.chat.completions
      .create({ model: "no-such-model", messages: user("x"), stream: true })
      .catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("rejects malformed messages with 400 and the field at fault", async () => {
    const response = await server.call("/v1/chat/completions", {
      method: "POST",
      key,
      json: { model: "test-chat", messages: [{ role: "wizard", content: "x" }] },
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.type).toBe("invalid_request");
    expect(error.param).toMatch(/^messages/);
    const empty = await client.chat.completions.create({ model: "test-chat", messages: [] }).catch((e) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("rejects an oversize body with 413", async () => {
    const failure = await client.chat.completions
      .create({ model: "test-chat", messages: user("x".repeat(70_000)) })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  });

  it("passes an upstream 429 on with its Retry-After", async () => {
    const failure = await client.chat.completions
      .create({ model: "test-rate-limited", messages: user("x") })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("7");
  });

  it("errors the client's stream, not hangs it, when the upstream dies midway", async () => {
    const stream = await client.chat.completions.create({
      model: "test-dies-midway",
      messages: user("one two three four five"),
      stream: true,
    });
    const pieces: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toMatch(/broke off/);
    expect(pieces.join("")).toBe("You said: ");
  });

  it("aborts the upstream request when the client goes away", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "test-dribble", messages: user("one two three four five"), stream: true },
      { signal: controller.signal },
    );
    const sent = upstream.requests.at(-1);
    expect(sent?.body).toMatchObject({ model: "test-dribble" });
    await (async () => {
      for await (const _chunk of stream) controller.abort();
    })().catch(() => {});
    await expect.poll(() => sent?.aborted).toBe(true);
  });

  it("reranks documents through the upstream's rerank endpoint, and refuses bad input", async () => {
    const call = (json: unknown) => server.call("/v1/rerank", { method: "POST", key, json });
    const response = await call({
      model: "double/test-chat",
      query: "capital of France",
      documents: ["Bananas are yellow", "Paris is the capital of France", { text: "France is in Europe" }],
      top_n: 2,
      return_documents: true,
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.results).toHaveLength(2);
    expect(body.results[0].relevance_score).toBeGreaterThanOrEqual(body.results[1].relevance_score);
    expect(body.results[0].document.text).toEqual(expect.any(String));
    expect(upstream.requests.at(-1)?.path).toMatch(/\/rerank$/);
    for (const bad of [
      { model: "double/test-chat", query: "q", documents: [] },
      { model: "double/test-chat", documents: ["a"] },
    ]) {
      expect((await call(bad)).status).toBe(400);
    }
    expect((await call({ model: "nowhere/x", query: "q", documents: ["a"] })).status).toBe(404);
  });

  it("ranks by embeddings when the upstream has no rerank endpoint", async () => {
    const plain = await startOpenAITestServer({ vllm: false });
    const admin = await server.key("agentx", "admin");
    try {
      const added = await server.call("/api/gateway/providers/plain", {
        method: "PUT",
        key: admin,
        json: { kind: "openai-compatible", baseURL: plain.baseURL },
      });
      expect(added.status).toBe(201);
      const response = await server.call("/v1/rerank", {
        method: "POST",
        key,
        json: { model: "plain/test-embed", query: "alpha", documents: ["alpha", "omega beta"] },
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.results.map((result: { index: number }) => result.index)).toEqual([0, 1]);
      expect(plain.requests.map((request) => request.path)).toContain("/v1/embeddings");
    } finally {
      await server.call("/api/gateway/providers/plain", { method: "DELETE", key: admin });
      await plain.close();
    }
  });

  it("takes keys of every workspace, as Bearer or x-api-key", async () => {
    for (const workspace of ["azi-learns-ai", "agentx", "ai-workflow", "nexus-os"]) {
      const memberKey = await server.key(workspace, "member");
      expect((await server.call("/v1/models", { key: memberKey })).status).toBe(200);
      const viaHeader = await server.call("/v1/models", { headers: { "x-api-key": memberKey } });
      expect(viaHeader.status).toBe(200);
    }
  });
});
