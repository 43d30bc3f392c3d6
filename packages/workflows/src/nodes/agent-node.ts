import type { ChatMessage, ChatTool } from "@nexus/gateway";
import { renderTemplate } from "../engine/template-selectors.ts";
import { openMcpToolsForAgent } from "../mcp/mcp-agent-tools.ts";
import { type McpToolReference, mcpReferenceOf } from "../mcp/mcp-servers.ts";
import { agentDataSchema, agentParameter } from "../node-schemas/model-node-schemas.ts";
import { type BuiltinTool, findBuiltinTool } from "./builtin-tools.ts";
import { callModel, callModelWithTools } from "./model-call.ts";
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
 * An agent: the model uses the node's tools until it answers, at most `maximum_iterations`
 * rounds, by Dify's strategy (`agent_strategy_name`): `function_calling` (tools sent as functions)
 * or `ReAct` (tools described in the prompt; the model writes Thought / Action JSON / Final Answer
 * as text, for models that cannot call functions). Outputs `text`, and `tool_calls` made.
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
      const tools = [...builtinToolsOf(data), ...mcp.tools];
      const settings = { model, instruction, query, maxRounds };
      return String(data.agent_strategy_name ?? "").toLowerCase() === "react"
        ? await runReActLoop(context, settings, tools)
        : await runAgentLoop(context, settings, tools);
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

/** Dify's ReAct prompt, in substance: the tools, then the format the model answers in. */
function reactPrompt(instruction: string, tools: Array<{ name: string; tool: BuiltinTool }>): string {
  const described = tools
    .map(({ name, tool }) => `${name}: ${tool.description}, args: ${JSON.stringify(tool.parameters)}`)
    .join("\n");
  const names = tools.map(({ name }) => JSON.stringify(name)).join(", ");
  return `${instruction ? `${instruction}\n\n` : ""}Respond to the human as helpfully and accurately as possible.
You have access to the following tools:
${described || "(none)"}

Use a JSON blob to specify a tool by providing an "action" key (the tool name) and an "action_input" key (the tool input).
Valid "action" values: "Final Answer"${names ? ` or ${names}` : ""}
Provide only ONE action per JSON blob, as shown:
\`\`\`
{"action": $TOOL_NAME, "action_input": $ACTION_INPUT}
\`\`\`
Follow this format:
Question: input question to answer
Thought: consider previous and subsequent steps
Action:
\`\`\`
$JSON_BLOB
\`\`\`
Observation: action result
... (repeat Thought/Action/Observation as needed)
Thought: I know what to respond
Action:
\`\`\`
{"action": "Final Answer", "action_input": "Final response to human"}
\`\`\`
Begin! Always answer with a valid JSON blob of a single action.`;
}

/** The action a ReAct answer names: its JSON blob, or a plain "Final Answer:" text, or the whole text as the answer. */
function reactActionOf(text: string): { action: string; input: unknown } {
  const fenced = /```(?:json)?\s*(\{[\s\S]*?\})\s*```/.exec(text)?.[1];
  const bare = fenced ?? /\{[\s\S]*"action"[\s\S]*\}/.exec(text)?.[0];
  if (bare) {
    try {
      const blob = JSON.parse(bare) as { action?: unknown; action_input?: unknown };
      if (typeof blob.action === "string") return { action: blob.action, input: blob.action_input };
    } catch {
      // Not JSON: read it as text below.
    }
  }
  const final = /Final Answer:\s*([\s\S]*)$/.exec(text)?.[1];
  return { action: "Final Answer", input: (final ?? text).trim() };
}

/** The ReAct loop: the model writes an action as text, the tool's result goes back as an observation. */
async function runReActLoop(
  context: NodeContext,
  settings: { model: string; instruction: string; query: string; maxRounds: number },
  tools: Array<{ name: string; tool: BuiltinTool }>,
): Promise<NodeResult> {
  const { model, instruction, query, maxRounds } = settings;
  const messages: ChatMessage[] = [
    { role: "system", content: reactPrompt(instruction, tools) },
    { role: "user", content: `Question: ${query}` },
  ];
  const calls: Array<{ tool: string; arguments: unknown; result: string }> = [];
  let tokens = 0;
  for (let round = 0; round < maxRounds; round++) {
    const answer = await callModel(context, { model, messages, stop: ["Observation:"] });
    tokens += answer.usage?.total_tokens ?? 0;
    const { action, input } = reactActionOf(answer.text);
    if (action === "Final Answer") {
      const text = typeof input === "string" ? input : JSON.stringify(input ?? "");
      return { outputs: { text, tool_calls: calls }, inputs: { query }, tokens };
    }
    const tool = tools.find((item) => item.name === action)?.tool;
    let parameters: Record<string, unknown> = {};
    if (input && typeof input === "object" && !Array.isArray(input))
      parameters = input as Record<string, unknown>;
    else if (typeof input === "string") {
      // A bare string goes to the tool's one parameter, or its first.
      const names = Object.keys((tool?.parameters.properties as Record<string, unknown> | undefined) ?? {});
      if (names[0]) parameters = { [names[0]]: input };
    }
    let result: string;
    try {
      result = tool ? (await tool.invoke(parameters)).text : `Unknown tool '${action}'`;
    } catch (error) {
      result = `Error: ${(error as Error).message}`;
    }
    calls.push({ tool: action, arguments: parameters, result });
    messages.push({ role: "assistant", content: answer.text });
    messages.push({ role: "user", content: `Observation: ${result}` });
  }
  throw new Error(`The agent did not answer within ${maxRounds} rounds`);
}
