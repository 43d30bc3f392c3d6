import type { ChatCompletionRequest, ChatMessage, Usage } from "@nexus/gateway";
import type { GraphNode } from "../graph/graph-types.ts";
import type { NodeContext } from "./node-definition.ts";

export interface ModelSettings {
  provider?: string;
  name?: string;
  mode?: string;
  completion_params?: Record<string, unknown>;
}

/** The gateway model a node's `model` names: its `name`, or the run's default when empty. */
export function modelOf(node: GraphNode, context: NodeContext): string {
  const model = node.data.model as ModelSettings | undefined;
  const name = model?.name?.trim() || context.services.defaultModel;
  if (!name) throw new Error("No model is configured for this node, and the workspace has no default model");
  return name;
}

const passedParams = [
  "temperature",
  "top_p",
  "max_tokens",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "stop",
] as const;

/** Dify's completion_params that the Chat Completions API takes, checked for type. */
export function paramsOf(node: GraphNode): Partial<ChatCompletionRequest> {
  const params = (node.data.model as ModelSettings | undefined)?.completion_params ?? {};
  const request: Record<string, unknown> = {};
  for (const key of passedParams) {
    const value = params[key];
    if (value === undefined || value === null || value === "") continue;
    if (key === "stop") request.stop = Array.isArray(value) ? value.slice(0, 4).map(String) : String(value);
    else if (typeof value === "number") request[key] = value;
  }
  return request as Partial<ChatCompletionRequest>;
}

export interface ModelAnswer {
  text: string;
  usage?: Usage;
  finishReason: string | null;
}

/** One chat call through the gateway, streamed into `onText` when given. */
export async function callModel(
  context: NodeContext,
  request: Omit<ChatCompletionRequest, "stream">,
  onText?: (text: string) => void,
): Promise<ModelAnswer> {
  const gateway = context.services.gateway;
  if (!gateway) throw new Error("This run has no model gateway");
  const requestContext = {
    workspaceId: context.services.workspaceId,
    apiKeyId: context.services.apiKeyId,
    signal: context.signal,
  };
  if (!onText) {
    const completion = await gateway.generate(request as ChatCompletionRequest, requestContext);
    const choice = completion.choices[0];
    return {
      text: choice?.message.content ?? "",
      usage: completion.usage,
      finishReason: choice?.finish_reason ?? null,
    };
  }
  let text = "";
  let usage: Usage | undefined;
  let finishReason: string | null = null;
  const stream = gateway.stream(
    { ...request, stream: true, stream_options: { include_usage: true } } as ChatCompletionRequest,
    requestContext,
  );
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    const piece = choice?.delta.content;
    if (piece) {
      text += piece;
      onText(piece);
    }
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, finishReason };
}

export type { ChatMessage };

export interface ToolCallingAnswer extends ModelAnswer {
  toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
}

/** One non-streamed chat call that may answer with tool calls. */
export async function callModelWithTools(
  context: NodeContext,
  request: Omit<ChatCompletionRequest, "stream">,
): Promise<ToolCallingAnswer> {
  const gateway = context.services.gateway;
  if (!gateway) throw new Error("This run has no model gateway");
  const completion = await gateway.generate(request as ChatCompletionRequest, {
    workspaceId: context.services.workspaceId,
    apiKeyId: context.services.apiKeyId,
    signal: context.signal,
  });
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? "",
    usage: completion.usage,
    finishReason: choice?.finish_reason ?? null,
    toolCalls: choice?.message.tool_calls ?? [],
  };
}
