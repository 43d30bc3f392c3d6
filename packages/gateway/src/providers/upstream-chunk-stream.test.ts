import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../protocol/openai-chat.ts";
import { PassThroughChunk, passThroughSourceOf } from "../protocol/pass-through-chunk.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";
import { ProviderError } from "./provider-error.ts";

const base = { id: "c1", object: "chat.completion.chunk", created: 1, model: "m" };
const content = (text: string) =>
  JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
const role = JSON.stringify({
  ...base,
  choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
});
const finish = JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
const usage = JSON.stringify({
  ...base,
  choices: [],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

/** Event data per model name: a well-formed stream, and one with a broken chunk in the middle. */
const streams: Record<string, string[]> = {
  good: [role, content("Hé "), content('"there"'), finish, usage, "[DONE]"],
  broken: [
    role,
    content("one "),
    '{"id":"c1","choices":[{"index":0,"delta":{"content":"tw',
    content("three"),
  ],
};

describe("an upstream stream's chunks, parsed or passed through", () => {
  let server: http.Server;
  let baseURL: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (part) => {
        body += part;
      });
      request.on("end", () => {
        const events = streams[(JSON.parse(body) as { model: string }).model] ?? [];
        response.writeHead(200, { "content-type": "text/event-stream" });
        // All in one write: the stream reads ahead and holds several chunks at once.
        response.end(events.map((data) => `data: ${data}\n\n`).join(""));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const open = (model: string) => {
    const provider = createOpenAICompatibleProvider({ id: "up", baseURL });
    const stream = provider.doStream(
      { model, messages: [{ role: "user", content: "hi" }], stream: true },
      { model, signal: new AbortController().signal },
    );
    return { provider, iterator: stream[Symbol.asyncIterator]() };
  };

  it("gives every chunk as the object JSON.parse makes of it through next()", async () => {
    const { provider, iterator } = open("good");
    const chunks: ChatCompletionChunk[] = [];
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      chunks.push(result.value);
    }
    expect(chunks).toEqual(streams.good?.slice(0, -1).map((data) => JSON.parse(data)));
    await provider.close();
  });

  it("passes plain content chunks through as their text, the first and the usage chunk parsed", async () => {
    const { provider, iterator } = open("good");
    const source = passThroughSourceOf(iterator);
    expect(source).toBeDefined();
    const seen: Array<ChatCompletionChunk | PassThroughChunk> = [];
    for (let result = await source?.nextPassThrough(); result && !result.done; ) {
      seen.push(result.value);
      result = await source?.nextPassThrough();
    }
    expect(seen.map((chunk) => chunk instanceof PassThroughChunk)).toEqual([false, true, true, true, false]);
    const passed = seen.filter((chunk) => chunk instanceof PassThroughChunk);
    expect(passed.map((chunk) => chunk.text)).toEqual([content("Hé "), content('"there"'), finish]);
    expect(passed.map((chunk) => [chunk.contentChars, chunk.finishes])).toEqual([
      [3, false],
      [7, false],
      [0, true],
    ]);
    expect(seen[4]).toMatchObject({ usage: { prompt_tokens: 3, completion_tokens: 2 } });
    await provider.close();
  });

  it("fails at a broken chunk after the ones before it when read as objects", async () => {
    const { provider, iterator } = open("broken");
    const texts: string[] = [];
    const failure = await (async () => {
      for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
        texts.push(result.value.choices[0]?.delta.content ?? "");
      }
    })().catch((error: unknown) => error);
    expect(texts).toEqual(["", "one "]);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ status: 502, options: { code: "upstream_invalid_response" } });
    // Nothing read ahead past the failure comes out afterwards.
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await provider.close();
  });
});
