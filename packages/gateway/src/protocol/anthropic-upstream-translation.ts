import { ProviderError } from "../providers/provider-error.ts";
import {
  type AnthropicContentBlockParam,
  type AnthropicMessageParam,
  type AnthropicMessagesRequest,
  type AnthropicToolChoice,
  anthropicImageMediaTypes,
  type UpstreamAnthropicMessage,
} from "./anthropic-messages.ts";
import { toolInputOf } from "./anthropic-served-translation.ts";
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  FinishReason,
  Usage,
} from "./openai-chat.ts";

/**
 * Calling Anthropic as an upstream: the gateway's OpenAI request becomes an Anthropic Messages
 * request, and Anthropic's message comes back as an OpenAI completion. The streamed counterpart
 * is in anthropic-upstream-stream.ts.
 */

/** Anthropic requires `max_tokens`; OpenAI clients often leave it out. */
export const defaultAnthropicMaxTokens = 4096;

/**
 * @example
 * openaiRequestToAnthropic({ model: "alias", messages: [{ role: "user", content: "Hi" }] }, "claude-x");
 * // { model: "claude-x", max_tokens: 4096, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] }
 */
export function openaiRequestToAnthropic(
  request: ChatCompletionRequest,
  model: string,
): AnthropicMessagesRequest {
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  const append = (role: "user" | "assistant", blocks: AnthropicContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    // Anthropic takes one turn per role in a row; consecutive ones (tool results, then the user's
    // next words) become one turn, results first as Anthropic requires.
    if (last?.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const [index, message] of request.messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message.content));
        break;
      case "user":
        append("user", userBlocks(message.content, index));
        break;
      case "assistant": {
        const text = textOf(message.content ?? "");
        const calls = (message.tool_calls ?? []).map(
          (call): AnthropicContentBlockParam => ({
            type: "tool_use",
            id: call.id,
            name: call.function.name,
            input: toolInputOf(call.function.arguments),
          }),
        );
        append("assistant", [...(text ? [{ type: "text" as const, text }] : []), ...calls]);
        break;
      }
      case "tool":
        append("user", [
          { type: "tool_result", tool_use_id: message.tool_call_id, content: textOf(message.content) },
        ]);
        break;
    }
  }

  const anthropic: AnthropicMessagesRequest = {
    model,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultAnthropicMaxTokens,
  };
  const systemText = system.filter(Boolean).join("\n\n");
  if (systemText) anthropic.system = systemText;
  // OpenAI's temperature runs to 2, Anthropic's to 1.
  if (request.temperature != null) anthropic.temperature = Math.min(request.temperature, 1);
  if (request.top_p != null) anthropic.top_p = request.top_p;
  const topK = (request as { top_k?: unknown }).top_k;
  if (typeof topK === "number" && Number.isInteger(topK) && topK >= 0) anthropic.top_k = topK;
  if (request.stop != null) {
    const stops = (typeof request.stop === "string" ? [request.stop] : request.stop).filter(Boolean);
    if (stops.length > 0) anthropic.stop_sequences = stops;
  }
  if (request.user) anthropic.metadata = { user_id: request.user };
  if (request.tools?.length) {
    anthropic.tools = request.tools.map(({ function: tool }) => ({
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: { type: "object" as const, properties: {}, ...tool.parameters },
    }));
    const choice = toolChoice(request.tool_choice, request.parallel_tool_calls === false);
    if (choice) anthropic.tool_choice = choice;
  }
  return anthropic;
}

function toolChoice(
  choice: ChatCompletionRequest["tool_choice"],
  noParallel: boolean,
): AnthropicToolChoice | undefined {
  const parallel = noParallel ? { disable_parallel_tool_use: true } : {};
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...parallel };
  if (typeof choice === "object") return { type: "tool", name: choice.function.name, ...parallel };
  return choice === "auto" || noParallel ? { type: "auto", ...parallel } : undefined;
}

type UserContent = Extract<ChatMessage, { role: "user" }>["content"];

function userBlocks(content: UserContent, index: number): AnthropicContentBlockParam[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return content.flatMap((part, partIndex): AnthropicContentBlockParam[] => {
    if (part.type === "text") return part.text ? [{ type: "text", text: part.text }] : [];
    return [
      { type: "image", source: imageSource(part.image_url.url, `messages[${index}].content[${partIndex}]`) },
    ];
  });
}

type ImageSource = Extract<AnthropicContentBlockParam, { type: "image" }>["source"];

function imageSource(url: string, at: string): ImageSource {
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl) {
    const mediaType = dataUrl[1]?.toLowerCase() as (typeof anthropicImageMediaTypes)[number];
    if (!anthropicImageMediaTypes.includes(mediaType)) {
      throw invalidRequest(
        `${at}: image type '${dataUrl[1]}' is not one of ${anthropicImageMediaTypes.join(", ")}`,
      );
    }
    return { type: "base64", media_type: mediaType, data: dataUrl[2] ?? "" };
  }
  if (/^https?:\/\//i.test(url)) return { type: "url", url };
  throw invalidRequest(`${at}: an image must be an http(s) URL or a base64 data URL`);
}

const textOf = (content: string | Array<{ type: string; text?: string }>): string =>
  typeof content === "string" ? content : content.map((part) => part.text ?? "").join("");

function invalidRequest(message: string): ProviderError {
  return new ProviderError(message, {
    status: 400,
    type: "invalid_request_error",
    param: "messages",
    retryable: false,
  });
}

/** OpenAI's finish reason for Anthropic's stop reason. */
export function openaiFinishOf(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/** OpenAI counts cached prompt tokens inside `prompt_tokens`; Anthropic apart. */
export function openaiUsageOf(usage: UpstreamAnthropicMessage["usage"]): Usage {
  const promptTokens =
    (usage?.input_tokens ?? 0) +
    (usage?.cache_creation_input_tokens ?? 0) +
    (usage?.cache_read_input_tokens ?? 0);
  const completionTokens = usage?.output_tokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/**
 * The OpenAI completion for an Anthropic message.
 *
 * @example
 * anthropicMessageToOpenAI(message).choices[0].message.content; // the text blocks, joined
 */
export function anthropicMessageToOpenAI(
  message: UpstreamAnthropicMessage,
  fallbackModel = "",
): ChatCompletion {
  const text = message.content.map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("");
  const toolCalls = message.content.flatMap((block) =>
    block.type === "tool_use"
      ? [
          {
            id: block.id ?? "",
            type: "function" as const,
            function: { name: block.name ?? "", arguments: JSON.stringify(block.input ?? {}) },
          },
        ]
      : [],
  );
  return {
    id: message.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: message.model ?? fallbackModel,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text || toolCalls.length === 0 ? text : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: openaiFinishOf(message.stop_reason),
      },
    ],
    usage: openaiUsageOf(message.usage),
  };
}
