import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { rawJsonOf } from "../protocol/raw-json.ts";
import { collectChunks } from "../testing/chunk-streams.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import type { CallOptions } from "./model-provider.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

/** The transport under the provider: keep-alive pooling, per-call timeouts, failures before and after the first byte. */

let upstream: OpenAITestServer;
beforeAll(async () => {
  upstream = await startOpenAITestServer();
});
afterAll(() => upstream.close());

const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "client-alias",
  messages: [{ role: "user", content: "one two three" }],
  ...extra,
});
const call = (model: string, extra: Partial<CallOptions> = {}): CallOptions => ({
  model,
  signal: new AbortController().signal,
  ...extra,
});

/** A TCP server on 127.0.0.1 that does something other than HTTP with each connection. */
async function rawServer(onConnection: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("openai-compatible provider transport", () => {
  it("reuses kept-alive connections across whole and streamed calls", async () => {
    const provider = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
    const before = upstream.requests.length;
    for (let index = 0; index < 10; index++) {
      await provider.doGenerate(request(), call("test-chat"));
      await collectChunks(
        provider.doStream(request({ stream_options: { include_usage: true } }), call("test-chat")),
      );
    }
    await provider.listModels();
    const sent = upstream.requests.slice(before);
    expect(sent).toHaveLength(21);
    expect(sent.every((request) => request.completed)).toBe(true);
    // undici's pool may open a second connection while the first finishes a response; never one per request.
    expect(new Set(sent.map((request) => request.remotePort)).size).toBeLessThanOrEqual(2);
    await provider.close();
  });

  it("returns at [DONE] and still keeps the connection when the upstream ends the body later", async () => {
    const ports: number[] = [];
    // The upstream ends each body only when the test says so, well after [DONE].
    const endBody: Array<() => void> = [];
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const lingering = http.createServer((request, response) => {
      ports.push(request.socket.remotePort ?? 0);
      request.resume();
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(chunk({ role: "assistant", content: "hi" }, null));
      response.write(chunk({}, "stop"));
      response.write("data: [DONE]\n\n");
      endBody.push(() => response.end());
    });
    await new Promise<void>((resolve) => lingering.listen(0, "127.0.0.1", resolve));
    const { port } = lingering.address() as net.AddressInfo;
    // One connection: each request waits for it, so a connection dropped at [DONE] shows as a new port.
    const provider = createOpenAICompatibleProvider({
      id: "lingering",
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxConnections: 1,
    });
    for (let index = 0; index < 3; index++) {
      // Returns while the body is still open.
      const chunks = await collectChunks(provider.doStream(request(), call("m")));
      expect(chunks).toHaveLength(2);
      expect(endBody).toHaveLength(index + 1);
      endBody[index]?.();
    }
    expect(new Set(ports).size).toBe(1);
    await provider.close();
    lingering.closeAllConnections();
    await new Promise((resolve) => lingering.close(resolve));
  });

  it("queues beyond maxConnections instead of opening more", async () => {
    const provider = createOpenAICompatibleProvider({
      id: "double",
      baseURL: upstream.baseURL,
      maxConnections: 1,
    });
    const before = upstream.requests.length;
    const streams = await Promise.all(
      [1, 2, 3].map(() => collectChunks(provider.doStream(request(), call("test-dribble")))),
    );
    for (const chunks of streams) expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(new Set(upstream.requests.slice(before).map((sent) => sent.remotePort)).size).toBe(1);
    await provider.close();
  });

  it("lets a call's timeouts override the provider's, both ways", async () => {
    const patient = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
    // test-slow waits 400 ms before answering.
    const firstToken = collectChunks(
      patient.doStream(request(), call("test-slow", { timeouts: { firstTokenMs: 100 } })),
    );
    await expect(firstToken).rejects.toMatchObject({
      status: 504,
      retryable: true,
      message: expect.stringContaining("first token timeout (100 ms)"),
    });
    const total = patient.doGenerate(request(), call("test-slow", { timeouts: { totalMs: 100 } }));
    await expect(total).rejects.toMatchObject({
      status: 504,
      message: expect.stringContaining("total timeout (100 ms)"),
    });
    const impatient = createOpenAICompatibleProvider({
      id: "double",
      baseURL: upstream.baseURL,
      timeouts: { firstTokenMs: 100 },
    });
    const chunks = await collectChunks(
      impatient.doStream(request(), call("test-slow", { timeouts: { firstTokenMs: 5_000 } })),
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    await Promise.all([patient.close(), impatient.close()]);
  });

  it("gives up connecting after the call's connect timeout with a retryable 504", async () => {
    // Accepts TCP but never answers the TLS handshake: the connection is never established.
    const silent = await rawServer(() => {});
    const provider = createOpenAICompatibleProvider({
      id: "silent",
      baseURL: `https://127.0.0.1:${silent.port}/v1`,
    });
    const started = Date.now();
    const failed = provider.doGenerate(request(), call("m", { timeouts: { connectMs: 300 } }));
    await expect(failed).rejects.toMatchObject({
      status: 504,
      retryable: true,
      options: { code: "upstream_timeout" },
      message: expect.stringContaining("connect timeout (300 ms)"),
    });
    // undici checks connect timers on a coarse clock (about every 500 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5_000);
    await provider.close();
    await silent.close();
  });

  it("treats a connection reset before the first byte as retryable", async () => {
    const closing = await rawServer((socket) => socket.once("data", () => socket.destroy()));
    const resetting = await rawServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
    for (const server of [closing, resetting]) {
      const provider = createOpenAICompatibleProvider({
        id: "flaky",
        baseURL: `http://127.0.0.1:${server.port}/v1`,
      });
      await expect(provider.doGenerate(request(), call("m"))).rejects.toMatchObject({
        status: 502,
        retryable: true,
        options: { code: "upstream_unreachable" },
      });
      await expect(collectChunks(provider.doStream(request(), call("m")))).rejects.toMatchObject({
        status: 502,
        retryable: true,
      });
      await provider.close();
      await server.close();
    }
  });

  it("closes the upstream connection when the client aborts before the answer", async () => {
    const provider = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
    const controller = new AbortController();
    const started = Date.now();
    const before = upstream.requests.length;
    const pending = collectChunks(
      provider.doStream(request(), { model: "test-slow", signal: controller.signal }),
    );
    await expect.poll(() => upstream.requests.length).toBe(before + 1);
    const sent = upstream.requests.at(-1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ status: 499 });
    expect(Date.now() - started).toBeLessThan(400);
    await expect.poll(() => sent?.aborted).toBe(true);
    await provider.close();
  });

  it("keeps each chunk's and completion's JSON text as the upstream sent it", async () => {
    const provider = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
    const chunks = await collectChunks(provider.doStream(request(), call("test-chat")));
    for (const chunk of chunks) expect(rawJsonOf(chunk)).toBe(JSON.stringify(chunk));
    expect(rawJsonOf({ ...chunks[0] })).toBeUndefined();
    const completion = await provider.doGenerate(request(), call("test-chat"));
    expect(JSON.parse(rawJsonOf(completion) ?? "null")).toEqual(completion);
    await provider.close();
  });

  it("fails calls made after close() with a ProviderError", async () => {
    const provider = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
    await provider.listModels();
    await provider.close();
    await expect(provider.listModels()).rejects.toMatchObject({ status: 502 });
  });
});
