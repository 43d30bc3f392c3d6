import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HostPolicy } from "../http/ssrf-guard.ts";
import { guardedFetch } from "./guarded-fetch.ts";
import type { McpServerConfig } from "./mcp-servers.ts";
import { type McpToolOutput, toolOutputOf } from "./mcp-tool-result.ts";

/** A tool an MCP server offers, as its `tools/list` describes it. */
export interface McpToolInfo {
  name: string;
  description: string;
  /** JSON schema of the tool's arguments. */
  inputSchema: Record<string, unknown>;
}

/** An open session with one MCP server; close it when the node is done. */
export interface McpConnection {
  listTools(): Promise<McpToolInfo[]>;
  /** Calls a tool; a result the server marks `isError` throws with the tool's own message. */
  callTool(name: string, parameters: Record<string, unknown>): Promise<McpToolOutput>;
  close(): Promise<void>;
}

export interface McpConnectOptions {
  /** Private hosts the SSRF guard lets through (tests allow 127.0.0.1). */
  allowedHosts?: string[];
  signal: AbortSignal;
  /** Longest wait for one MCP request. */
  timeoutMs: number;
}

/** What the server said, cut to a length that fits an error message. */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (cause ? `${cause}: ${message}` : message).slice(0, 500);
}

/**
 * Connects to an MCP server over Streamable HTTP (initialize handshake included).
 *
 * @example
 * const connection = await connectMcpServer({ url: "https://tools.example.com/mcp" }, { signal, timeoutMs: 30_000 });
 * try { await connection.callTool("search", { q: "wings" }); } finally { await connection.close(); }
 */
export async function connectMcpServer(
  server: McpServerConfig,
  options: McpConnectOptions,
): Promise<McpConnection> {
  const url = new URL(server.url);
  const fetch = guardedFetch(new HostPolicy(options.allowedHosts));
  const transportOptions = { fetch, ...(server.headers ? { requestInit: { headers: server.headers } } : {}) };
  const requestOptions = { signal: options.signal, timeout: options.timeoutMs };
  let client = new Client({ name: "nexus-workflows", version: "0.1.0" });
  try {
    try {
      await client.connect(new StreamableHTTPClientTransport(url, transportOptions), requestOptions);
    } catch (error) {
      // A server of the older HTTP+SSE protocol refuses the POST (404/405/400): speak SSE to it.
      const legacy = error instanceof StreamableHTTPError && [400, 404, 405].includes(error.code ?? 0);
      if (!legacy) throw error;
      await client.close().catch(() => undefined);
      client = new Client({ name: "nexus-workflows", version: "0.1.0" });
      await client.connect(new SSEClientTransport(url, transportOptions), requestOptions);
    }
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`MCP server at ${url.origin}${url.pathname} is unreachable: ${reason(error)}`);
  }
  return {
    async listTools() {
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, requestOptions);
        for (const tool of page.tools) {
          tools.push({
            name: tool.name,
            description: tool.description ?? tool.title ?? tool.name,
            inputSchema: tool.inputSchema as Record<string, unknown>,
          });
        }
        cursor = page.nextCursor;
      } while (cursor && tools.length < 1000);
      return tools;
    },
    async callTool(name, parameters) {
      let result: { content?: unknown; structuredContent?: unknown; toolResult?: unknown; isError?: unknown };
      try {
        result = await client.callTool({ name, arguments: parameters }, undefined, requestOptions);
      } catch (error) {
        throw new Error(`MCP tool '${name}' failed: ${reason(error)}`);
      }
      // Old servers answer `{ toolResult }`; its text is all there is to show.
      const output =
        result.content !== undefined
          ? toolOutputOf(result)
          : toolOutputOf({ content: [{ type: "text", text: JSON.stringify(result.toolResult) }] });
      if (result.isError)
        throw new Error(`MCP tool '${name}' returned an error: ${output.text || "(no message)"}`);
      return output;
    },
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}
