import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export interface McpTestServer {
  /** `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Tool calls received, newest last. */
  calls: Array<{ name: string; arguments: unknown }>;
  close(): Promise<void>;
}

/** One pixel PNG, returned by the `pixel` tool as image content. */
export const onePixelPng =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/**
 * A real MCP server for tests, built from the SDK's server classes and served over Streamable
 * HTTP on 127.0.0.1 (stateless: a fresh server per request). Tools: `add` (a + b), `shout`
 * (upper-cases `input`), `wing_facts` (JSON text), `pixel` (an image) and `fail` (always an error).
 * With `authorization`, a request without exactly that Authorization header gets 401.
 */
export async function startMcpTestServer(options: { authorization?: string } = {}): Promise<McpTestServer> {
  const calls: McpTestServer["calls"] = [];
  const build = () => buildTestTools(calls);
  const http = createServer(async (request, response) => {
    if (request.url !== "/mcp") {
      response.writeHead(404).end();
      return;
    }
    if (options.authorization !== undefined && request.headers.authorization !== options.authorization) {
      response.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  return listen(http, "/mcp", calls);
}

/**
 * The same tools behind the older HTTP+SSE protocol (GET /sse opens the stream, POST
 * /messages?sessionId= carries requests), which refuses Streamable HTTP's POST with 405.
 */
export async function startLegacySseMcpServer(): Promise<McpTestServer> {
  const calls: McpTestServer["calls"] = [];
  const sessions = new Map<string, SSEServerTransport>();
  const http = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/sse" && request.method === "GET") {
      const transport = new SSEServerTransport("/messages", response);
      sessions.set(transport.sessionId, transport);
      response.on("close", () => sessions.delete(transport.sessionId));
      await buildTestTools(calls).connect(transport);
      return;
    }
    const transport = sessions.get(url.searchParams.get("sessionId") ?? "");
    if (url.pathname === "/messages" && request.method === "POST" && transport) {
      await transport.handlePostMessage(request, response);
      return;
    }
    response.writeHead(url.pathname === "/sse" ? 405 : 404).end();
  });
  return listen(http, "/sse", calls);
}

async function listen(
  http: ReturnType<typeof createServer>,
  path: string,
  calls: McpTestServer["calls"],
): Promise<McpTestServer> {
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function buildTestTools(calls: McpTestServer["calls"]): McpServer {
  const server = new McpServer({ name: "nexus-test-tools", version: "1.0.0" });
  server.registerTool(
    "add",
    { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => {
      calls.push({ name: "add", arguments: { a, b } });
      return { content: [{ type: "text", text: String(a + b) }] };
    },
  );
  server.registerTool(
    "shout",
    { description: "Upper-cases a text", inputSchema: { input: z.string() } },
    async ({ input }) => {
      calls.push({ name: "shout", arguments: { input } });
      return { content: [{ type: "text", text: input.toUpperCase() }] };
    },
  );
  server.registerTool("wing_facts", { description: "Facts about wings as JSON" }, async () => {
    calls.push({ name: "wing_facts", arguments: {} });
    return { content: [{ type: "text", text: JSON.stringify({ span: 12.5, sweep: 35 }) }] };
  });
  server.registerTool("pixel", { description: "A one-pixel image" }, async () => {
    calls.push({ name: "pixel", arguments: {} });
    return { content: [{ type: "image", data: onePixelPng, mimeType: "image/png" }] };
  });
  server.registerTool("fail", { description: "Always fails" }, async () => {
    calls.push({ name: "fail", arguments: {} });
    throw new Error("the wing database is offline");
  });
  return server;
}
