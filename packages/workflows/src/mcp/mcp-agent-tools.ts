import type { BuiltinTool } from "../nodes/builtin-tools.ts";
import type { RunServices } from "../nodes/node-definition.ts";
import { connectMcpServer, type McpConnection } from "./mcp-connection.ts";
import { type McpToolReference, resolveMcpServer } from "./mcp-servers.ts";

/** An agent's MCP tools, callable like built-in tools while the connections stay open. */
export interface OpenedMcpTools {
  tools: Array<{ name: string; tool: BuiltinTool }>;
  /** Closes every server session the agent opened. */
  close(): Promise<void>;
}

/**
 * Opens one session per MCP server the agent's tools name, reads each server's tool list for
 * the descriptions and schemas the model sees, and fails when a named tool is not on its server.
 */
export async function openMcpToolsForAgent(
  wanted: Array<{ toolName: string; reference: McpToolReference }>,
  services: RunServices,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<OpenedMcpTools> {
  const connections = new Map<string, McpConnection>();
  const close = async () => {
    await Promise.all([...connections.values()].map((connection) => connection.close()));
  };
  const tools: OpenedMcpTools["tools"] = [];
  try {
    const listed = new Map<string, Awaited<ReturnType<McpConnection["listTools"]>>>();
    for (const { toolName, reference } of wanted) {
      const server = await resolveMcpServer(reference, services.workspaceId, services.mcpServers);
      let connection = connections.get(server.url);
      if (!connection) {
        connection = await connectMcpServer(server, {
          ...(services.allowedHosts ? { allowedHosts: services.allowedHosts } : {}),
          ...options,
        });
        connections.set(server.url, connection);
        listed.set(server.url, await connection.listTools());
      }
      const info = listed.get(server.url)?.find((tool) => tool.name === toolName);
      if (!info) throw new Error(`MCP server ${server.url} has no tool '${toolName}'`);
      const open = connection;
      tools.push({
        name: toolName,
        tool: {
          description: info.description,
          parameters: info.inputSchema,
          invoke: (parameters) => open.callTool(toolName, parameters),
        },
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { tools, close };
}
