import { renderTemplate } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import { coerceArguments } from "../mcp/coerce-arguments.ts";
import { connectMcpServer } from "../mcp/mcp-connection.ts";
import { type McpToolReference, mcpReferenceOf, resolveMcpServer } from "../mcp/mcp-servers.ts";
import { toolDataSchema } from "../node-schemas/io-node-schemas.ts";
import { findBuiltinTool } from "./builtin-tools.ts";
import { defineNode, type NodeContext, type NodeResult, selectorOf } from "./node-definition.ts";
import type { toolInputTypes } from "./value-type-options.ts";

interface ToolInput {
  type?: (typeof toolInputTypes)[number];
  value?: unknown;
}

function resolveInput(input: unknown, pool: VariablePool): unknown {
  if (typeof input === "string") return renderTemplate(input, pool);
  if (!input || typeof input !== "object" || Array.isArray(input)) return input;
  const { type, value } = input as ToolInput;
  if (type === "variable") {
    const selector = selectorOf(value);
    return selector ? pool.get(selector) : undefined;
  }
  if (type === "mixed" && typeof value === "string") return renderTemplate(value, pool);
  return value;
}

function providerOf(data: Record<string, unknown>): string {
  return String(data.provider_id ?? data.provider_name ?? "");
}

function parametersOf(data: Record<string, unknown>, pool: VariablePool): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const source of [data.tool_configurations, data.tool_parameters]) {
    for (const [name, input] of Object.entries((source as Record<string, unknown> | undefined) ?? {})) {
      parameters[name] = resolveInput(input, pool);
    }
  }
  return parameters;
}

/** One call of an MCP server's tool: connect, call, close (a node run holds no session open). */
async function runMcpTool(context: NodeContext, reference: McpToolReference): Promise<NodeResult> {
  const { node, pool, services } = context;
  const toolName = String(node.data.tool_name ?? "");
  const parameters = parametersOf(node.data, pool);
  const server = await resolveMcpServer(reference, services.workspaceId, services.mcpServers);
  const connection = await connectMcpServer(server, {
    ...(services.allowedHosts ? { allowedHosts: services.allowedHosts } : {}),
    signal: context.signal,
    timeoutMs: context.timeoutMs,
  });
  try {
    const tool = (await connection.listTools()).find((candidate) => candidate.name === toolName);
    if (!tool) throw new Error(`MCP server ${server.url} has no tool '${toolName}'`);
    const result = await connection.callTool(toolName, coerceArguments(parameters, tool.inputSchema));
    return { outputs: { text: result.text, json: result.json, files: result.files }, inputs: parameters };
  } finally {
    await connection.close();
  }
}

/**
 * Calls a built-in tool or a tool of an MCP server (`provider_type: mcp`); outputs `text`,
 * `json` and `files` as Dify's tool node does.
 */
export const toolNode = defineNode({
  type: "tool",
  sideEffects: true,
  dataSchema: toolDataSchema,
  unsupportedReason: (data) => {
    const mcp = mcpReferenceOf(data);
    if (mcp) {
      return mcp.serverId || mcp.serverUrl !== undefined
        ? undefined
        : "the MCP tool names no server (provider_id or mcp_server_url)";
    }
    const provider = providerOf(data);
    const tool = String(data.tool_name ?? "");
    if (findBuiltinTool(provider, tool)) return undefined;
    return `tool '${tool}' of provider '${provider}' is not available in Nexus (plugin and marketplace tools are not installed)`;
  },
  run: async (context) => {
    const { node, pool } = context;
    const data = node.data;
    const mcp = mcpReferenceOf(data);
    if (mcp) return runMcpTool(context, mcp);
    const tool = findBuiltinTool(providerOf(data), String(data.tool_name ?? ""));
    if (!tool) throw new Error(`Tool '${String(data.tool_name)}' is not available`);
    const parameters = parametersOf(data, pool);
    const result = await tool.invoke(parameters);
    return {
      outputs: { ...(result.variables ?? {}), text: result.text, json: result.json ?? [], files: [] },
      inputs: parameters,
    };
  },
});
