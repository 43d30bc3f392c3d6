import { z } from "zod";

/** An MCP server reached over Streamable HTTP. */
export interface McpServerConfig {
  /** The server's endpoint, e.g. `https://tools.example.com/mcp`. */
  url: string;
  /** Sent with every request (an `Authorization` token the server expects). */
  headers?: Record<string, string>;
}

/**
 * The MCP servers a workspace has set up, by the identifier Dify DSLs carry as a tool's
 * `provider_id` (Dify's "server identifier"). The server passes one in `RunServices.mcpServers`;
 * without it, only nodes that name a server URL themselves (`mcp_server_url`) can call MCP tools.
 */
export interface McpServerDirectory {
  /** The server with this identifier in the workspace, or undefined when there is none. */
  find(workspaceId: string, serverId: string): Promise<McpServerConfig | undefined>;
}

const serverUrlSchema = z
  .string()
  .trim()
  .regex(/^https?:\/\//i, "an MCP server URL must start with http:// or https://")
  .pipe(z.url({ message: "the MCP server URL is not a valid URL" }));

/** How a tool node or an agent tool says it is an MCP tool and which server holds it. */
export interface McpToolReference {
  /** Dify's `provider_id` (the server identifier), used to look the server up. */
  serverId: string;
  /** Nexus extension: the server's URL written in the node itself. */
  serverUrl?: string;
}

/** The MCP reference of a tool node's data or an agent's tool entry, or undefined for other tools. */
export function mcpReferenceOf(data: Record<string, unknown>): McpToolReference | undefined {
  const isMcp =
    data.provider_type === "mcp" || data.type === "mcp" || typeof data.mcp_server_url === "string";
  if (!isMcp) return undefined;
  const serverId = String(data.provider_id ?? data.provider_name ?? "");
  return typeof data.mcp_server_url === "string"
    ? { serverId, serverUrl: data.mcp_server_url }
    : { serverId };
}

/** The server a reference names: its own URL first, else the workspace's entry for its identifier. */
export async function resolveMcpServer(
  reference: McpToolReference,
  workspaceId: string,
  directory: McpServerDirectory | undefined,
): Promise<McpServerConfig> {
  if (reference.serverUrl !== undefined) {
    const parsed = serverUrlSchema.safeParse(reference.serverUrl);
    if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? "invalid MCP server URL");
    return { url: parsed.data };
  }
  const found = reference.serverId ? await directory?.find(workspaceId, reference.serverId) : undefined;
  if (!found) {
    throw new Error(
      `MCP server '${reference.serverId}' is not set up in this workspace (give the node an mcp_server_url or add the server)`,
    );
  }
  return found;
}
