import { z } from "zod";

/**
 * The gateway's canonical request and response shapes are OpenAI's Chat Completions wire format:
 * every OpenAI-compatible upstream (vLLM, Ollama, Jan, LM Studio, OpenAI) takes it as is, so
 * pass-through costs nothing, and other protocols (Anthropic, local GGUF) translate to it once.
 * Request schemas are strict at the edge; upstream responses are typed, not re-validated.
 */

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
});
export const contentPartSchema = z.discriminatedUnion("type", [textPart, imagePart]);

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.object({
    role: z.literal("system"),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal("developer"),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal("user"),
    content: z.union([z.string(), z.array(contentPartSchema)]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal("assistant"),
    content: z.union([z.string(), z.array(textPart)]).nullish(),
    name: z.string().optional(),
    tool_calls: z.array(toolCallSchema).optional(),
  }),
  z.object({
    role: z.literal("tool"),
    content: z.union([z.string(), z.array(textPart)]),
    tool_call_id: z.string(),
  }),
]);

export const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(chatMessageSchema).min(1, "must hold at least one message"),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    n: z.literal(1, { error: "only n=1 is supported" }).nullish(),
    tools: z.array(toolSchema).optional(),
    tool_choice: z
      .union([
        z.enum(["none", "auto", "required"]),
        z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
      ])
      .optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: responseFormatSchema.optional(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    user: z.string().optional(),
  })
  // Unknown fields are passed on to OpenAI-compatible upstreams (vLLM takes many extras).
  .loose();

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatTool = z.infer<typeof toolSchema>;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
    };
    finish_reason: FinishReason | null;
  }>;
  usage?: Usage;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: "function";
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason: FinishReason | null;
  }>;
  /** Present on the last chunk when `stream_options.include_usage` is set. */
  usage?: Usage | null;
}

export const embeddingRequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    input: z.union([
      z.string(),
      z.array(z.string()).min(1).max(2048),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
    ]),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.number().int().positive().optional(),
    user: z.string().optional(),
  })
  .strict();

export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

export interface EmbeddingResponse {
  object: "list";
  /** `embedding` is a base64 string of little-endian float32s when the request asked for `encoding_format: "base64"`. */
  data: Array<{ object: "embedding"; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface ModelInfo {
  /** The id clients send as `model`. */
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}
