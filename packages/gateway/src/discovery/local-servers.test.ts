import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import { defaultLocalServerCandidates, discoverLocalServers, parseDiscoveryPorts } from "./local-servers.ts";

// Every server here listens on an ephemeral port of 127.0.0.1; the well-known ports are never probed.

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

const openSockets = new Set<net.Socket>();

async function listen(server: net.Server): Promise<number> {
  server.on("connection", (socket: net.Socket) => {
    openSockets.add(socket);
    socket.once("close", () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

const json = (response: http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

/** Speaks like Ollama: an OpenAI model list and its own version endpoint. */
const ollamaLike: Handler = (request, response) => {
  if (request.url === "/v1/models")
    return json(response, 200, {
      object: "list",
      data: [
        { id: "llama3.2:1b", object: "model", created: 1, owned_by: "library" },
        { id: "nomic-embed-text:latest", object: "model", created: 1, owned_by: "library" },
      ],
    });
  if (request.url === "/api/version") return json(response, 200, { version: "0.5.7" });
  json(response, 404, { error: "not found" });
};

/** An HTTP server that is not a model server: HTML for everything. */
const webPage: Handler = (_request, response) => {
  response.writeHead(200, { "content-type": "text/html" });
  response.end("<!doctype html><p>hello</p>");
};

/** JSON, but not a model list. */
const otherJson: Handler = (_request, response) => json(response, 200, { data: "nope", models: [1, 2] });

describe("discoverLocalServers", () => {
  const servers: net.Server[] = [];
  let openai: OpenAITestServer;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    openai = await startOpenAITestServer();
    ports.openai = Number(new URL(openai.baseURL).port);
    for (const [name, handler] of Object.entries({ ollamaLike, webPage, otherJson })) {
      const server = http.createServer(handler);
      servers.push(server);
      ports[name] = await listen(server);
    }
    // Raw TCP that answers with bytes that are not HTTP at all.
    const garbage = net.createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n"));
    servers.push(garbage);
    ports.garbage = await listen(garbage);
    // Accepts connections and never answers.
    const silent = net.createServer(() => {});
    servers.push(silent);
    ports.silent = await listen(silent);
    // A port nobody listens on.
    const closed = net.createServer();
    ports.closed = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
  });

  afterAll(async () => {
    await openai?.close();
    for (const socket of openSockets) socket.destroy();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it("reports servers answering an OpenAI model list, with their version where they tell it", async () => {
    const found = await discoverLocalServers({
      candidates: [
        { id: "ollama", port: ports.ollamaLike as number },
        { id: "vllm", port: ports.openai as number },
        { id: "jan", port: ports.closed as number },
      ],
    });
    expect(found).toEqual([
      {
        id: "ollama",
        name: "Ollama",
        baseURL: `http://127.0.0.1:${ports.ollamaLike}/v1`,
        models: ["llama3.2:1b", "nomic-embed-text:latest"],
        version: "0.5.7",
      },
      {
        id: "vllm",
        name: "vLLM",
        baseURL: `http://127.0.0.1:${ports.openai}/v1`,
        models: expect.arrayContaining(["test-chat", "test-embed"]),
      },
    ]);
    // The base URL is what an OpenAI client takes: its model list answers there.
    const [, vllm] = found;
    const listed = (await (await fetch(`${vllm?.baseURL}/models`)).json()) as { data: unknown[] };
    expect(listed.data.length).toBe(vllm?.models.length);
  });

  it("leaves out closed ports, silent ports and ports speaking something else, within the timeout", async () => {
    const started = performance.now();
    const found = await discoverLocalServers({
      timeoutMs: 300,
      candidates: [
        { id: "ollama", port: ports.closed as number },
        { id: "jan", port: ports.webPage as number },
        { id: "lmstudio", port: ports.garbage as number },
        { id: "vllm", port: ports.otherJson as number },
        { id: "llamacpp", port: ports.silent as number },
      ],
    });
    expect(found).toEqual([]);
    // Parallel probes: the silent port costs one timeout, not one per candidate.
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("stops when its signal aborts and probes nothing without candidates", async () => {
    const controller = new AbortController();
    const probing = discoverLocalServers({
      timeoutMs: 10_000,
      signal: controller.signal,
      candidates: [{ id: "ollama", port: ports.silent as number }],
    });
    controller.abort();
    await expect(probing).resolves.toEqual([]);
    await expect(discoverLocalServers({ candidates: [] })).resolves.toEqual([]);
  });
});

describe("parseDiscoveryPorts", () => {
  it("reads server=port lists, off, and the default", () => {
    expect(parseDiscoveryPorts(undefined)).toEqual(defaultLocalServerCandidates);
    expect(parseDiscoveryPorts(" ")).toEqual(defaultLocalServerCandidates);
    expect(parseDiscoveryPorts("off")).toEqual([]);
    expect(parseDiscoveryPorts("vllm=8001, ollama=11434")).toEqual([
      { id: "vllm", port: 8001 },
      { id: "ollama", port: 11434 },
    ]);
    expect(defaultLocalServerCandidates.map(({ id, port }) => `${id}=${port}`)).toEqual([
      "ollama=11434",
      "jan=1337",
      "lmstudio=1234",
      "vllm=8000",
      "llamacpp=8080",
    ]);
  });

  it("says what is wrong with a bad value", () => {
    expect(() => parseDiscoveryPorts("tgi=8080")).toThrow(/'tgi=8080' is not <server>=<port>/);
    expect(() => parseDiscoveryPorts("vllm=99999")).toThrow(/port 1-65535/);
    expect(() => parseDiscoveryPorts("vllm:8000")).toThrow(/NEXUS_DISCOVERY_PORTS/);
    expect(() => parseDiscoveryPorts("vllm=1,vllm=2")).toThrow(/'vllm' is listed twice/);
  });
});
