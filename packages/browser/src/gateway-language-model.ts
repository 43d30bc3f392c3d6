import type {
  LanguageModelV2,
  LanguageModelV2CallOptions,
  LanguageModelV2Content,
  LanguageModelV2FinishReason,
  LanguageModelV2Prompt,
  LanguageModelV2StreamPart,
} from "@ai-sdk/provider";
import type { ChatCompletionRequest, ChatMessage } from "@nexus/gateway";
import type { GatewayCaller } from "./gateway-caller.ts";

/**
 * An AI SDK language model (spec v2) over the gateway, for Stagehand's agent, which drives its
 * tool loop through the AI SDK. Streaming is served from one whole completion: the agent only
 * needs the parts, and one call keeps the gateway's accounting simple.
 */
export function createGatewayLanguageModel(caller: GatewayCaller): LanguageModelV2 {
  async function generate(options: LanguageModelV2CallOptions) {
    const request = toChatRequest(options);
    const previous = caller.context;
    const signal = options.abortSignal
      ? AbortSignal.any([previous.signal, options.abortSignal])
      : previous.signal;
    caller.context = { ...previous, signal };
    try {
      return await caller.generate(request);
    } finally {
      caller.context = previous;
    }
  }

  return {
    specificationVersion: "v2",
    provider: "nexus",
    modelId: caller.model,
    supportedUrls: {},
    async doGenerate(options) {
      const completion = await generate(options);
      const choice = completion.choices[0];
      const content: LanguageModelV2Content[] = [];
      if (choice?.message.content) content.push({ type: "text", text: choice.message.content });
      for (const call of choice?.message.tool_calls ?? []) {
        content.push({
          type: "tool-call",
          toolCallId: call.id,
          toolName: call.function.name,
          input: call.function.arguments || "{}",
        });
      }
      return {
        content,
        finishReason: finishReasonOf(choice?.finish_reason ?? null),
        usage: {
          inputTokens: completion.usage?.prompt_tokens,
          outputTokens: completion.usage?.completion_tokens,
          totalTokens: completion.usage?.total_tokens,
        },
        warnings: [],
        response: { id: completion.id, modelId: completion.model },
      };
    },
    async doStream(options) {
      const result = await this.doGenerate(options);
      const parts: LanguageModelV2StreamPart[] = [{ type: "stream-start", warnings: [] }];
      for (const [index, part] of result.content.entries()) {
        if (part.type === "text") {
          const id = `text-${index}`;
          parts.push(
            { type: "text-start", id },
            { type: "text-delta", id, delta: part.text },
            { type: "text-end", id },
          );
        } else if (part.type === "tool-call") parts.push(part);
      }
      parts.push({ type: "finish", finishReason: result.finishReason, usage: result.usage });
      return {
        stream: new ReadableStream<LanguageModelV2StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
}

function finishReasonOf(reason: string | null): LanguageModelV2FinishReason {
  if (reason === "stop") return "stop";
  if (reason === "length") return "length";
  if (reason === "tool_calls") return "tool-calls";
  if (reason === "content_filter") return "content-filter";
  return "unknown";
}

function toChatRequest(options: LanguageModelV2CallOptions): Omit<ChatCompletionRequest, "model"> {
  const tools = (options.tools ?? []).flatMap((tool) =>
    tool.type === "function"
      ? [
          {
            type: "function" as const,
            function: {
              name: tool.name,
              description: tool.description,
              parameters: tool.inputSchema as Record<string, unknown>,
            },
          },
        ]
      : [],
  );
  const choice = options.toolChoice;
  const format = options.responseFormat;
  return {
    messages: toMessages(options.prompt),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.topP === undefined ? {} : { top_p: options.topP }),
    ...(options.maxOutputTokens ? { max_tokens: options.maxOutputTokens } : {}),
    ...(options.stopSequences?.length ? { stop: options.stopSequences.slice(0, 4) } : {}),
    ...(tools.length
      ? {
          tools,
          tool_choice:
            choice?.type === "tool"
              ? { type: "function" as const, function: { name: choice.toolName } }
              : (choice?.type ?? "auto"),
        }
      : {}),
    ...(format?.type === "json"
      ? {
          response_format: format.schema
            ? {
                type: "json_schema" as const,
                json_schema: {
                  name: format.name ?? "response",
                  schema: format.schema as Record<string, unknown>,
                },
              }
            : { type: "json_object" as const },
        }
      : {}),
  };
}

function toMessages(prompt: LanguageModelV2Prompt): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const message of prompt) {
    if (message.role === "system") messages.push({ role: "system", content: message.content });
    else if (message.role === "user") {
      messages.push({
        role: "user",
        content: message.content.map((part) =>
          part.type === "text"
            ? { type: "text" as const, text: part.text }
            : { type: "image_url" as const, image_url: { url: dataUrlOf(part.data, part.mediaType) } },
        ),
      });
    } else if (message.role === "assistant") {
      const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
      const toolCalls = message.content.flatMap((part) =>
        part.type === "tool-call"
          ? [
              {
                id: part.toolCallId,
                type: "function" as const,
                function: {
                  name: part.toolName,
                  arguments: typeof part.input === "string" ? part.input : JSON.stringify(part.input),
                },
              },
            ]
          : [],
      );
      messages.push({
        role: "assistant",
        content: text || null,
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      });
    } else {
      for (const part of message.content) {
        const output = part.output;
        const content =
          output.type === "text" || output.type === "error-text"
            ? output.value
            : output.type === "content"
              ? output.value.map((item) => (item.type === "text" ? item.text : "[media]")).join("\n")
              : JSON.stringify(output.value);
        messages.push({ role: "tool", tool_call_id: part.toolCallId, content });
      }
    }
  }
  return messages;
}

function dataUrlOf(data: string | Uint8Array | URL, mediaType: string): string {
  if (data instanceof URL) return data.toString();
  if (typeof data === "string") return data.startsWith("data:") ? data : `data:${mediaType};base64,${data}`;
  return `data:${mediaType};base64,${Buffer.from(data).toString("base64")}`;
}
