import type { z } from "zod";
import { ProviderError } from "../providers/provider-error.ts";
import type {
  AnthropicContentBlockParam,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicToolChoice,
  AnthropicUsage,
} from "./anthropic-messages.ts";
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  contentPartSchema,
  FinishReason,
  ModelInfo,
  Usage,
} from "./openai-chat.ts";

/**
 * Serving Anthropic's Messages API over the gateway: an Anthropic request becomes the gateway's
 * OpenAI request, and the OpenAI completion comes back as an Anthropic message. The streamed
 * counterpart is in anthropic-served-stream.ts.
 */

type UserContentPart = z.infer<typeof contentPartSchema>;
type MessageContent = string | AnthropicContentBlockParam[];

/**
 * The OpenAI request for an Anthropic one. A streamed request always asks for usage, which the
 * Anthropic stream reports in its `message_delta`.
 *
 * @example
 * anthropicRequestToOpenAI({ model: "m", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] });
 * // { model: "m", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }
 */
export function anthropicRequestToOpenAI(request: AnthropicMessagesRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  const system = typeof request.system === "string" ? request.system : textOfBlocks(request.system ?? []);
  if (system) messages.push({ role: "system", content: system });
  for (const [index, message] of request.messages.entries()) {
    if (message.role === "user") messages.push(...userMessages(message.content, index));
    else if (message.role === "assistant") messages.push(assistantMessage(message.content));
    else
      messages.push({
        role: "system",
        content: typeof message.content === "string" ? message.content : textOfBlocks(message.content),
      });
  }
  const openai: ChatCompletionRequest = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.temperature !== undefined) openai.temperature = request.temperature;
  if (request.top_p !== undefined) openai.top_p = request.top_p;
  // Not an OpenAI field, but vLLM, llama.cpp and Ollama's OpenAI endpoints honour it.
  if (request.top_k !== undefined) openai.top_k = request.top_k;
  if (request.stop_sequences?.length) openai.stop = request.stop_sequences;
  if (request.metadata?.user_id) openai.user = request.metadata.user_id;
  if (request.tools?.length) {
    openai.tools = request.tools.map((tool) => ({
      type: "function" as const,
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.input_schema,
      },
    }));
  }
  if (request.tool_choice) Object.assign(openai, toolChoice(request.tool_choice));
  const format = request.output_config?.format;
  if (format)
    openai.response_format = { type: "json_schema", json_schema: { name: "output", schema: format.schema } };
  if (request.stream) {
    openai.stream = true;
    openai.stream_options = { include_usage: true };
  }
  return openai;
}

function toolChoice(
  choice: AnthropicToolChoice,
): Pick<ChatCompletionRequest, "tool_choice" | "parallel_tool_calls"> {
  const parallel =
    choice.type !== "none" && choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case "auto":
      return { tool_choice: "auto", ...parallel };
    case "any":
      return { tool_choice: "required", ...parallel };
    case "none":
      return { tool_choice: "none" };
    case "tool":
      return { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel };
  }
}

/**
 * A user turn: its tool results become OpenAI `tool` messages, which must directly follow the
 * assistant's tool calls; its text and images (and images inside tool results, which OpenAI tool
 * messages cannot hold) follow as one user message.
 */
function userMessages(content: MessageContent, index: number): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const toolMessages: ChatMessage[] = [];
  const parts: UserContentPart[] = [];
  for (const block of content) {
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: block.text });
        break;
      case "image":
        parts.push(imagePart(block));
        break;
      case "tool_result": {
        const result = typeof block.content === "string" ? block.content : textOfBlocks(block.content ?? []);
        toolMessages.push({
          role: "tool",
          tool_call_id: block.tool_use_id,
          content: block.is_error ? `Error: ${result}` : result,
        });
        if (Array.isArray(block.content)) {
          for (const inner of block.content) if (inner.type === "image") parts.push(imagePart(inner));
        }
        break;
      }
      case "tool_use":
        throw invalidMessage(`messages.${index}: tool_use blocks belong in assistant messages`);
      default:
        // Thinking blocks from an earlier turn: no OpenAI counterpart; the model does not need them.
        break;
    }
  }
  if (parts.length === 0) return toolMessages;
  const [only] = parts;
  return [
    ...toolMessages,
    { role: "user", content: parts.length === 1 && only?.type === "text" ? only.text : parts },
  ];
}

function assistantMessage(content: MessageContent): ChatMessage {
  if (typeof content === "string") return { role: "assistant", content };
  const text = textOfBlocks(content);
  const toolCalls = content.flatMap((block) =>
    block.type === "tool_use"
      ? [
          {
            id: block.id,
            type: "function" as const,
            function: { name: block.name, arguments: JSON.stringify(block.input) },
          },
        ]
      : [],
  );
  return {
    role: "assistant",
    content: text || (toolCalls.length > 0 ? null : ""),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

function imagePart(block: AnthropicImageBlock): UserContentPart {
  const url =
    block.source.type === "base64"
      ? `data:${block.source.media_type};base64,${block.source.data}`
      : block.source.url;
  return { type: "image_url", image_url: { url } };
}

const textOfBlocks = (blocks: AnthropicContentBlockParam[]): string =>
  blocks.map((block) => (block.type === "text" ? block.text : "")).join("");

function invalidMessage(message: string): ProviderError {
  return new ProviderError(message, { status: 400, type: "invalid_request_error", retryable: false });
}

/** What the client is told about the end of a completion, from OpenAI's finish reason. */
export function anthropicStopOf(
  finishReason: FinishReason | null | undefined,
  matchedStop: unknown,
  stopSequences: readonly string[] | undefined,
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  switch (finishReason) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default:
      // OpenAI does not say which stop sequence ended the text; vLLM does, in `stop_reason`.
      if (typeof matchedStop === "string" && stopSequences?.includes(matchedStop)) {
        return { stop_reason: "stop_sequence", stop_sequence: matchedStop };
      }
      return { stop_reason: "end_turn", stop_sequence: null };
  }
}

/** Anthropic counts cached prompt tokens apart from `input_tokens`; OpenAI includes them. */
export function anthropicUsageOf(usage: Usage | null | undefined): AnthropicUsage {
  const cached = (usage as { prompt_tokens_details?: { cached_tokens?: number } } | null | undefined)
    ?.prompt_tokens_details?.cached_tokens;
  const cachedTokens = typeof cached === "number" ? cached : 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cachedTokens),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedTokens,
  };
}

/** An Anthropic message id derived from the completion's, so log lines can be matched up. */
export const anthropicMessageId = (completionId: string): string =>
  `msg_${completionId.replace(/^chatcmpl-/, "").replace(/[^A-Za-z0-9_-]/g, "") || "nexus"}`;

/**
 * Tool arguments as the object Anthropic's `input` must be. Arguments a model wrote that are not
 * a JSON object are kept, wrapped, rather than lost.
 */
export function toolInputOf(argumentsText: string): Record<string, unknown> {
  if (argumentsText.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Falls through to the wrapped form.
  }
  return { arguments: argumentsText };
}

/**
 * The Anthropic message for an OpenAI completion. `model` is the name the client asked for.
 *
 * @example
 * openaiCompletionToAnthropic(completion, { model: "claude-via-nexus" }).content[0]; // { type: "text", text: "…" }
 */
export function openaiCompletionToAnthropic(
  completion: ChatCompletion,
  options: { model: string; stopSequences?: readonly string[] },
): AnthropicMessage {
  const choice = completion.choices[0];
  const content: AnthropicResponseBlock[] = [];
  if (choice?.message.content) content.push({ type: "text", text: choice.message.content });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: toolInputOf(call.function.arguments),
    });
  }
  const matchedStop = (choice as { stop_reason?: unknown } | undefined)?.stop_reason;
  return {
    id: anthropicMessageId(completion.id),
    type: "message",
    role: "assistant",
    model: options.model,
    content,
    ...anthropicStopOf(choice?.finish_reason, matchedStop, options.stopSequences),
    usage: anthropicUsageOf(completion.usage),
  };
}

/** A model as Anthropic's `GET /v1/models` lists it. */
export interface AnthropicModelInfo {
  type: "model";
  id: string;
  display_name: string;
  /** RFC 3339. */
  created_at: string;
}

/**
 * The gateway's model list in Anthropic's shape, one page holding all: for `GET /v1/models` when
 * the caller is an Anthropic client (it sends `anthropic-version`).
 *
 * @example
 * anthropicModelListOf([{ id: "fast", object: "model", created: 0, owned_by: "nexus" }]).data[0].id; // "fast"
 */
export function anthropicModelListOf(models: ModelInfo[]): {
  data: AnthropicModelInfo[];
  has_more: false;
  first_id: string | null;
  last_id: string | null;
} {
  const data = models.map(
    (model): AnthropicModelInfo => ({
      type: "model",
      id: model.id,
      display_name: model.id,
      created_at: new Date(model.created * 1000).toISOString(),
    }),
  );
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
