import { z } from "zod";

/**
 * Anthropic's Messages API (`POST /v1/messages`, `GET /v1/models`) as far as Nexus speaks it, in
 * both roles: served to Anthropic clients (strict request schemas, so mistakes get a clear 400) and
 * called as an upstream (lenient response schemas: only the fields we use, `nullish` elsewhere).
 * Server tools, documents, citations and extended thinking are not translated; thinking blocks a
 * client sends back in its history are accepted and dropped.
 */

const cacheControl = z.object({ type: z.literal("ephemeral"), ttl: z.string().optional() }).nullish();

export const anthropicImageMediaTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

const textBlock = z.object({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.array(z.unknown()).nullish(),
});

const imageBlock = z.object({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [
    z.object({
      type: z.literal("base64"),
      media_type: z.enum(anthropicImageMediaTypes),
      data: z.string().min(1),
    }),
    z.object({ type: z.literal("url"), url: z.url() }),
  ]),
  cache_control: cacheControl,
});

const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

const thinkingBlock = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() });

export const anthropicContentBlockSchema = z.discriminatedUnion("type", [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

export const anthropicMessageParamSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("user"), content: z.union([z.string(), z.array(anthropicContentBlockSchema)]) }),
  z.object({
    role: z.literal("assistant"),
    content: z.union([z.string(), z.array(anthropicContentBlockSchema)]),
  }),
  // API version 2026-10-21 takes system turns among the messages, as well as the top-level `system`.
  z.object({ role: z.literal("system"), content: z.union([z.string(), z.array(textBlock)]) }),
]);

export const anthropicToolSchema = z.object({
  // Server tools (web search, code execution …) carry a versioned type; only client tools translate.
  type: z.literal("custom", { error: "only client tools (type 'custom' or none) are supported" }).nullish(),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
  description: z.string().optional(),
  input_schema: z.object({ type: z.literal("object") }).loose(),
  cache_control: cacheControl,
});

export const anthropicToolChoiceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({
    type: z.literal("tool"),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.object({ type: z.literal("none") }),
]);

const systemSchema = z.union([z.string(), z.array(textBlock)]);

export const anthropicMessagesRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(anthropicMessageParamSchema).min(1, "must hold at least one message"),
    max_tokens: z.number().int().positive(),
    system: systemSchema.optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().nonnegative().optional(),
    stop_sequences: z.array(z.string()).optional(),
    stream: z.boolean().optional(),
    tools: z.array(anthropicToolSchema).optional(),
    tool_choice: anthropicToolChoiceSchema.optional(),
    metadata: z.object({ user_id: z.string().max(256).nullish() }).optional(),
    output_config: z
      .object({
        format: z
          .object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) })
          .nullish(),
      })
      .loose()
      .optional(),
  })
  // Newer fields clients send (service_tier, thinking, container …) have no meaning here; ignored.
  .loose();

export const anthropicCountTokensRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(anthropicMessageParamSchema).min(1, "must hold at least one message"),
    system: systemSchema.optional(),
    tools: z.array(anthropicToolSchema).optional(),
    tool_choice: anthropicToolChoiceSchema.optional(),
  })
  .loose();

export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;
export type AnthropicCountTokensRequest = z.infer<typeof anthropicCountTokensRequestSchema>;
export type AnthropicMessageParam = z.infer<typeof anthropicMessageParamSchema>;
export type AnthropicContentBlockParam = z.infer<typeof anthropicContentBlockSchema>;
export type AnthropicImageBlock = z.infer<typeof imageBlock>;
export type AnthropicTextBlockParam = z.infer<typeof textBlock>;
export type AnthropicTool = z.infer<typeof anthropicToolSchema>;
export type AnthropicToolChoice = z.infer<typeof anthropicToolChoiceSchema>;

export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

export type AnthropicTextBlock = { type: "text"; text: string };
export type AnthropicToolUseBlock = {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
};
export type AnthropicResponseBlock = AnthropicTextBlock | AnthropicToolUseBlock;

/** A whole answer (`type: "message"`), as Anthropic returns it. */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  content: AnthropicResponseBlock[];
  model: string;
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One server-sent event of a streamed answer; its `type` is also the SSE `event:` name. */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicResponseBlock }
  | {
      type: "content_block_delta";
      index: number;
      delta: { type: "text_delta"; text: string } | { type: "input_json_delta"; partial_json: string };
    }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
      usage: { output_tokens: number; input_tokens?: number | null };
    }
  | { type: "message_stop" }
  | { type: "ping" }
  | AnthropicErrorBody;

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

const errorTypeByStatus: Record<number, AnthropicErrorType> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** The error type Anthropic documents for an HTTP status; other statuses by their class. */
export function anthropicErrorTypeOf(status: number): AnthropicErrorType {
  return errorTypeByStatus[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Every Anthropic error, as a response body and as a stream's `error` event. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType | (string & {}); message: string };
  request_id?: string;
}

/** The SSE framing Anthropic uses: the event's type as its name, the event as JSON data. */
export function formatAnthropicEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

// Upstream answers, read leniently: the fields the translation uses, nothing else required.

const upstreamBlockSchema = z
  .object({
    type: z.string(),
    text: z.string().nullish(),
    id: z.string().nullish(),
    name: z.string().nullish(),
    input: z.unknown().optional(),
  })
  .loose();

const upstreamUsageSchema = z
  .object({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
  })
  .loose();

export const upstreamAnthropicMessageSchema = z
  .object({
    id: z.string(),
    model: z.string().nullish(),
    content: z.array(upstreamBlockSchema),
    stop_reason: z.string().nullish(),
    stop_sequence: z.string().nullish(),
    usage: upstreamUsageSchema.nullish(),
  })
  .loose();
export type UpstreamAnthropicMessage = z.infer<typeof upstreamAnthropicMessageSchema>;

export const upstreamAnthropicEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message_start"), message: upstreamAnthropicMessageSchema }),
  z.object({ type: z.literal("content_block_start"), index: z.number(), content_block: upstreamBlockSchema }),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z
      .object({ type: z.string(), text: z.string().nullish(), partial_json: z.string().nullish() })
      .loose(),
  }),
  z.object({ type: z.literal("content_block_stop"), index: z.number() }),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).loose(),
    usage: upstreamUsageSchema.nullish(),
  }),
  z.object({ type: z.literal("message_stop") }),
  z.object({ type: z.literal("ping") }),
  z.object({
    type: z.literal("error"),
    error: z.object({ type: z.string().nullish(), message: z.string().nullish() }).loose(),
  }),
]);
export type UpstreamAnthropicEvent = z.infer<typeof upstreamAnthropicEventSchema>;

export const upstreamAnthropicModelListSchema = z.object({
  data: z.array(z.object({ id: z.string(), max_input_tokens: z.number().nullish() }).loose()),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
});
