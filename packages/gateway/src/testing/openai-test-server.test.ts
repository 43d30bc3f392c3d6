import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAITestServer, startOpenAITestServer } from "./openai-test-server.ts";

describe("OpenAI test server", () => {
  let upstream: OpenAITestServer;
  beforeAll(async () => {
    upstream = await startOpenAITestServer({ apiKey: "sk-test" });
  });
  afterAll(() => upstream.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${upstream.baseURL}${path}`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("frames a stream as OpenAI does: role first, content, finish, usage, [DONE]", async () => {
    const response = await post("/chat/completions", {
      model: "test-chat",
      messages: [{ role: "user", content: "hi there" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, "")));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("You said: hi there");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it("rejects a wrong key and unknown models with OpenAI error bodies", async () => {
    const unauthorized = await post("/chat/completions", {}, { authorization: "Bearer nope" });
    expect(unauthorized.status).toBe(401);
    const missing = await post("/chat/completions", { model: "nope", messages: [] });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: "model_not_found", param: null });
  });

  it("scripts a 429 with Retry-After per request", async () => {
    const response = await post(
      "/chat/completions",
      { model: "test-chat", messages: [{ role: "user", content: "x" }] },
      { "x-test-behavior": JSON.stringify({ status: 429, retryAfterSeconds: 3 }) },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(upstream.requests.at(-1)?.completed).toBe(true);
  });

  it("destroys the socket midway for test-dies-midway", async () => {
    const response = await post("/chat/completions", {
      model: "test-dies-midway",
      messages: [{ role: "user", content: "one two three four five" }],
      stream: true,
    });
    await expect(response.text()).rejects.toThrow();
  });
});
