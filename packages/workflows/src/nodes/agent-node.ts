import type { ChatMessage, ChatTool } from "@nexus/gateway";
import { renderTemplate } from "../engine/template-selectors.ts";
import { openMcpToolsForAgent } from "../mcp/mcp-agent-tools.ts";
import { type McpToolReference, mcpReferenceOf } from "../mcp/mcp-servers.ts";
import { agentDataSchema, agentParameter } from "../node-schemas/model-node-schemas.ts";
import { type BuiltinTool, findBuiltinTool } from "./builtin-tools.ts";
import { callModelWithTools } from "./model-call.ts";
import { defineNode, type NodeContext, type NodeResult } from "./node-definition.ts";

interface AgentTool {
  provider_name?: string;
  provider_id?: string;
  /** `mcp` for a tool of an MCP server (Dify), `builtin` and others otherwise. */
  type?: string;
  provider_type?: string;
  /** Nexus extension: the MCP server's URL, instead of a workspace server identifier. */
  mcp_server_url?: string;
  tool_name: string;
  enabled?: boolean;
}

function enabledTools(data: Record<string, unknown>): AgentTool[] {
  const listed = (agentParameter(data, "tools") as AgentTool[] | undefined) ?? [];
  return listed.filter((item) => item && item.enabled !== false);
}

function mcpToolsOf(data: Record<string, unknown>): Array<{ toolName: string; reference: McpToolReference }> {
  return enabledTools(data).flatMap((item) => {
    const reference = mcpReferenceOf(item as unknown as Record<string, unknown>);
    return reference ? [{ toolName: item.tool_name, reference }] : [];
  });
}

function builtinToolsOf(data: Record<string, unknown>): Array<{ name: string; tool: BuiltinTool }> {
  return enabledTools(data)
    .filter((item) => !mcpReferenceOf(item as unknown as Record<string, unknown>))
    .map((item) => ({
      name: item.tool_name,
      tool: findBuiltinTool(String(item.provider_name ?? item.provider_id ?? "builtin"), item.tool_name),
    }))
    .filter((item): item is { name: string; tool: BuiltinTool } => item.tool !== undefined);
}

/**
 * An agent: the model calls the node's tools (function calling) until it answers, at most
 * `maximum_iterations` rounds. Both Dify strategies (function_calling and ReAct) run as
 * function calling through the gateway. Outputs `text`, and `tool_calls` made along the way.
 */
export const agentNode = defineNode({
  type: "agent",
  sideEffects: true,
  dataSchema: agentDataSchema,
  unsupportedReason: (data) => {
    const missing = enabledTools(data).filter(
      (item) =>
        !mcpReferenceOf(item as unknown as Record<string, unknown>) &&
        !findBuiltinTool(String(item.provider_name ?? item.provider_id ?? "builtin"), item.tool_name),
    );
    return missing.length > 0
      ? `agent tools not available in Nexus: ${missing.map((item) => item.tool_name).join(", ")}`
      : undefined;
  },
  run: async (context) => {
    const { node, pool } = context;
    const data = node.data;
    const modelSetting = agentParameter(data, "model") as
      | { model?: string; name?: string }
      | string
      | undefined;
    const model =
      (typeof modelSetting === "string" ? modelSetting : (modelSetting?.model ?? modelSetting?.name)) ||
      context.services.defaultModel;
    if (!model) throw new Error("No model is configured for this agent");
    const instruction = renderTemplate(String(agentParameter(data, "instruction") ?? ""), pool);
    const query = renderTemplate(String(agentParameter(data, "query") ?? "{{#sys.query#}}"), pool);
    const maxRounds = Math.min(Math.max(Number(agentParameter(data, "maximum_iterations") ?? 5), 1), 20);
    const mcp = await openMcpToolsForAgent(mcpToolsOf(data), context.services, {
      signal: context.signal,
      timeoutMs: context.timeoutMs,
    });
    try {
      return await runAgentLoop(context, { model, instruction, query, maxRounds }, [
        ...builtinToolsOf(data),
        ...mcp.tools,
      ]);
    } finally {
      await mcp.close();
    }
  },
});

/** The function-calling loop: ask the model, run the tools it calls, until it answers. */
async function runAgentLoop(
  context: NodeContext,
  settings: { model: string; instruction: string; query: string; maxRounds: number },
  tools: Array<{ name: string; tool: BuiltinTool }>,
): Promise<NodeResult> {
  const { model, instruction, query, maxRounds } = settings;
  const toolSchemas: ChatTool[] = tools.map(({ name, tool }) => ({
    type: "function",
    function: { name, description: tool.description, parameters: tool.parameters },
  }));
  const messages: ChatMessage[] = [
    ...(instruction ? [{ role: "system" as const, content: instruction }] : []),
    { role: "user", content: query },
  ];
  const calls: Array<{ tool: string; arguments: unknown; result: string }> = [];
  let tokens = 0;
  for (let round = 0; round < maxRounds; round++) {
    const answer = await callModelWithTools(context, {
      model,
      messages,
      ...(toolSchemas.length > 0 ? { tools: toolSchemas } : {}),
    });
    tokens += answer.usage?.total_tokens ?? 0;
    if (answer.toolCalls.length === 0) {
      return { outputs: { text: answer.text, tool_calls: calls }, inputs: { query }, tokens };
    }
    messages.push({ role: "assistant", content: answer.text || null, tool_calls: answer.toolCalls });
    for (const call of answer.toolCalls) {
      const tool = tools.find((item) => item.name === call.function.name)?.tool;
      let result: string;
      let parsed: unknown = {};
      try {
        parsed = JSON.parse(call.function.arguments || "{}");
        result = tool
          ? (await tool.invoke(parsed as Record<string, unknown>)).text
          : `Unknown tool '${call.function.name}'`;
      } catch (error) {
        result = `Error: ${(error as Error).message}`;
      }
      calls.push({ tool: call.function.name, arguments: parsed, result });
      messages.push({ role: "tool", tool_call_id: call.id, content: result });
    }
  }
  throw new Error(`The agent did not answer within ${maxRounds} rounds`);
}
