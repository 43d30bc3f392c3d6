import {
  type ChatMessageImageContent,
  type ChatMessageTextContent,
  type CreateChatCompletionOptions,
  LLMClient,
  type LLMParsedResponse,
  type LLMResponse,
  type StagehandZodSchema,
  toJsonSchema,
} from "@browserbasehq/stagehand";
import type { ChatCompletionRequest, ChatMessage } from "@nexus/gateway";
import { BrowserError } from "./browser-error.ts";
import type { GatewayCaller } from "./gateway-caller.ts";
import { createGatewayLanguageModel } from "./gateway-language-model.ts";

type StagehandMessage = CreateChatCompletionOptions["options"]["messages"][number];

/**
 * Stagehand's `LLMClient` contract served by the Nexus gateway. Structured calls (`response_model`)
 * ask for `response_format: json_schema` with the zod schema's JSON Schema and validate the answer
 * with the schema itself, returning `{ data, usage }`; plain calls return the OpenAI-shaped
 * completion. `getLanguageModel()` gives the agent an AI SDK model over the same caller.
 */
export class GatewayLLMClient extends LLMClient {
  constructor(readonly caller: GatewayCaller) {
    super(caller.model);
    this.type = "openai";
    this.hasVision = false;
    this.clientOptions = {};
  }

  override getLanguageModel() {
    return createGatewayLanguageModel(this.caller);
  }

  // biome-ignore lint/suspicious/noExplicitAny: Stagehand's overloads return either shape by the options given
  async createChatCompletion<T>(request: CreateChatCompletionOptions): Promise<any> {
    const { options } = request;
    const messages: ChatMessage[] = options.messages.map(toGatewayMessage);
    if (options.image) {
      const url = `data:image/png;base64,${options.image.buffer.toString("base64")}`;
      messages.push({
        role: "user",
        content: [
          ...(options.image.description ? [{ type: "text" as const, text: options.image.description }] : []),
          { type: "image_url" as const, image_url: { url } },
        ],
      });
    }
    const structured = options.response_model;
    const body: Omit<ChatCompletionRequest, "model"> = {
      messages,
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.top_p === undefined ? {} : { top_p: options.top_p }),
      ...(options.maxOutputTokens ? { max_tokens: options.maxOutputTokens } : {}),
      ...(options.tools?.length
        ? {
            tools: options.tools.map((tool) => ({
              type: "function" as const,
              function: { name: tool.name, description: tool.description, parameters: tool.parameters },
            })),
            tool_choice: options.tool_choice ?? "auto",
          }
        : {}),
      ...(structured
        ? {
            response_format: {
              type: "json_schema" as const,
              json_schema: { name: structured.name, schema: toJsonSchema(structured.schema), strict: false },
            },
          }
        : {}),
    };
    const completion = await this.caller.generate(body);
    const usage = {
      prompt_tokens: completion.usage?.prompt_tokens ?? 0,
      completion_tokens: completion.usage?.completion_tokens ?? 0,
      total_tokens: completion.usage?.total_tokens ?? 0,
    };
    const choice = completion.choices[0];
    if (structured) {
      const data = parseStructured(choice?.message.content ?? "", structured.name, structured.schema);
      return { data: data as T, usage } satisfies LLMParsedResponse<T>;
    }
    return {
      id: completion.id,
      object: completion.object,
      created: completion.created,
      model: completion.model,
      choices: (completion.choices ?? []).map((item) => ({
        index: item.index,
        message: {
          role: item.message.role,
          content: item.message.content,
          tool_calls: item.message.tool_calls ?? [],
        },
        finish_reason: item.finish_reason ?? "stop",
      })),
      usage,
    } satisfies LLMResponse;
  }
}

function toGatewayMessage(message: StagehandMessage): ChatMessage {
  if (typeof message.content === "string")
    return { role: message.role, content: message.content } as ChatMessage;
  if (message.role !== "user") {
    const text = message.content.map((part) => part.text ?? "").join("");
    return { role: message.role, content: text } as ChatMessage;
  }
  return {
    role: "user",
    content: message.content.map((part: ChatMessageImageContent | ChatMessageTextContent) =>
      "image_url" in part && part.image_url
        ? { type: "image_url" as const, image_url: { url: part.image_url.url } }
        : "source" in part && part.source
          ? {
              type: "image_url" as const,
              image_url: { url: `data:${part.source.media_type};base64,${part.source.data}` },
            }
          : { type: "text" as const, text: part.text ?? "" },
    ),
  };
}

/** The model's JSON answer, checked against the schema Stagehand asked for. */
function parseStructured(content: string, name: string, schema: StagehandZodSchema): unknown {
  const text = content
    .trim()
    .replace(/^```(?:json)?\s*/i, "")
    .replace(/```$/, "")
    .trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BrowserError(
      "model_output_invalid",
      `The model's answer to the ${name} request is not JSON: ${text.slice(0, 200) || "(empty)"}`,
    );
  }
  const result = (
    schema as { safeParse(input: unknown): { success: boolean; data?: unknown; error?: unknown } }
  ).safeParse(value);
  if (!result.success) {
    const issues = (result.error as { issues?: Array<{ path: unknown[]; message: string }> }).issues ?? [];
    const detail = issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new BrowserError(
      "model_output_invalid",
      `The model's answer does not match the ${name} schema: ${detail}`,
    );
  }
  return result.data;
}
