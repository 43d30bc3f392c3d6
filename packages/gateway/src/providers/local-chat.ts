import type { ChatHistoryItem, LLamaChatGenerateResponseOptions, LlamaGrammar } from "node-llama-cpp";
import type { ChatCompletionRequest, ChatMessage, FinishReason } from "../protocol/openai-chat.ts";
import { jsonSchemaProblem } from "./json-schema-check.ts";
import type { SequenceLease } from "./local-model-pool.ts";
import { ProviderError } from "./provider-error.ts";

/** The outcome of one local chat generation. */
export interface LocalChatResult {
  text: string;
  finishReason: Extract<FinishReason, "stop" | "length">;
  promptTokens: number;
  completionTokens: number;
}

const badRequest = (message: string, param: string, cause?: unknown) =>
  new ProviderError(message, { status: 400, type: "invalid_request_error", param, retryable: false, cause });

/** Rejects invalid requests and what local models cannot do yet, before any model is loaded. */
export function assertLocalChatSupported(request: ChatCompletionRequest): void {
  if (request.tools && request.tools.length > 0 && request.tool_choice !== "none") {
    throw badRequest(
      "Local models don't support tools yet; remove `tools` or route to another provider",
      "tools",
    );
  }
  const format = request.response_format;
  const problem = format?.type === "json_schema" ? jsonSchemaProblem(format.json_schema.schema) : undefined;
  if (problem) throw badRequest(`Invalid response_format.json_schema: ${problem}`, "response_format");
  for (const message of request.messages) {
    if (Array.isArray(message.content) && message.content.some((part) => part.type !== "text")) {
      throw badRequest("Local models don't support image content yet; send text parts only", "messages");
    }
  }
}

const textOf = (content: ChatMessage["content"]): string =>
  typeof content === "string"
    ? content
    : (content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");

/**
 * OpenAI messages as node-llama-cpp chat history, ending with the empty model turn to generate.
 * Tool results and earlier tool calls become plain text, since local chat has no tool turns yet.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case "system":
      case "developer":
        return { type: "system", text: textOf(message.content) };
      case "user":
        return { type: "user", text: textOf(message.content) };
      case "tool":
        return {
          type: "user",
          text: `Result of tool call ${message.tool_call_id}:\n${textOf(message.content)}`,
        };
      default: {
        const calls = (message.tool_calls ?? []).map(
          (call) => `Called tool ${call.function.name} with ${call.function.arguments}`,
        );
        return { type: "model", response: [[textOf(message.content), ...calls].filter(Boolean).join("\n")] };
      }
    }
  });
  history.push({ type: "model", response: [] });
  return history;
}

/** A grammar for `response_format`, or undefined for plain text. Invalid schemas are a 400. */
export async function grammarFor(
  request: ChatCompletionRequest,
  lease: SequenceLease,
): Promise<LlamaGrammar | undefined> {
  const format = request.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return lease.llama.getGrammarFor("json");
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the schema is user input, checked by node-llama-cpp
    return await lease.llama.createGrammarForJsonSchema(format.json_schema.schema as any);
  } catch (error) {
    throw badRequest(
      `Invalid response_format.json_schema: ${(error as Error).message ?? error}`,
      "response_format",
      error,
    );
  }
}

/** Callbacks of one generation. */
export interface LocalChatHooks {
  /** Called once the request is validated and the first token is about to be generated. */
  onStart?(): void;
  /** Text deltas, in order. */
  onText?(text: string): void;
}

/**
 * Generates one reply on a leased sequence. Throws the signal's reason once it aborts;
 * generation stops at the next token.
 */
export async function runLocalChat(
  request: ChatCompletionRequest,
  lease: SequenceLease,
  signal: AbortSignal,
  hooks: LocalChatHooks = {},
): Promise<LocalChatResult> {
  const { LlamaChat } = await import("node-llama-cpp");
  const history = toChatHistory(request.messages);
  const grammar = await grammarFor(request, lease);
  const promptTokens = lease.chatWrapper
    .generateContextState({ chatHistory: history })
    .contextText.tokenize(lease.model.tokenizer).length;
  const contextSize = lease.sequence.contextSize;
  if (promptTokens >= contextSize) {
    throw new ProviderError(
      `The messages take ${promptTokens} tokens; this local model's context holds ${contextSize}`,
      {
        status: 400,
        type: "invalid_request_error",
        code: "context_length_exceeded",
        param: "messages",
        retryable: true,
      },
    );
  }
  // Never past the context: llama.cpp would otherwise shift the context and could run forever.
  const room = contextSize - promptTokens;
  const requested = request.max_completion_tokens ?? request.max_tokens ?? room;
  const stop = request.stop == null ? [] : [request.stop].flat().filter((trigger) => trigger.length > 0);
  let completionTokens = 0;
  const options: LLamaChatGenerateResponseOptions = {
    signal,
    stopOnAbortSignal: false,
    maxTokens: Math.min(requested, room),
    // OpenAI's defaults: temperature 1, top_p 1.
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? undefined,
    seed: request.seed ?? undefined,
    customStopTriggers: stop.length > 0 ? stop : undefined,
    grammar,
    repeatPenalty:
      request.presence_penalty || request.frequency_penalty
        ? {
            presencePenalty: request.presence_penalty ?? undefined,
            frequencyPenalty: request.frequency_penalty ?? undefined,
          }
        : false,
    onToken: (tokens) => {
      completionTokens += tokens.length;
    },
    onTextChunk: hooks.onText,
  };
  const chat = new LlamaChat({
    contextSequence: lease.sequence,
    chatWrapper: lease.chatWrapper,
    autoDisposeSequence: false,
  });
  try {
    signal.throwIfAborted();
    hooks.onStart?.();
    const result = await chat.generateResponse(history, options);
    signal.throwIfAborted();
    return {
      text: result.response,
      finishReason: result.metadata.stopReason === "maxTokens" ? "length" : "stop",
      promptTokens,
      completionTokens,
    };
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(`Local generation failed: ${(error as Error).message ?? error}`, {
      status: 500,
      type: "server_error",
      retryable: true,
      cause: error,
    });
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}
