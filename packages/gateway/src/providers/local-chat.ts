import type { LLamaChatGenerateResponseOptions, LlamaGrammar } from "node-llama-cpp";
import type { ChatCompletionRequest, FinishReason } from "../protocol/openai-chat.ts";
import { jsonSchemaProblem } from "./json-schema-check.ts";
import { toChatHistory } from "./local-chat-history.ts";
import type { SequenceLease } from "./local-model-pool.ts";
import {
  assertToolsValid,
  forcingFunctionCall,
  mustCallTool,
  type RawFunctionCall,
  rawToolCalls,
  type ToolCall,
  toolFunctions,
  toToolCalls,
} from "./local-tools.ts";
import { ProviderError } from "./provider-error.ts";

/** The outcome of one local chat generation. */
export interface LocalChatResult {
  text: string;
  /** Calls of the request's tools; `finishReason` is then `tool_calls`. */
  toolCalls?: ToolCall[];
  finishReason: Extract<FinishReason, "stop" | "length" | "tool_calls">;
  promptTokens: number;
  completionTokens: number;
}

const badRequest = (message: string, param: string, cause?: unknown) =>
  new ProviderError(message, { status: 400, type: "invalid_request_error", param, retryable: false, cause });

/** Rejects invalid requests and what local models cannot do yet, before any model is loaded. */
export function assertLocalChatSupported(request: ChatCompletionRequest): void {
  assertToolsValid(request);
  const format = request.response_format;
  const problem = format?.type === "json_schema" ? jsonSchemaProblem(format.json_schema.schema) : undefined;
  if (problem) throw badRequest(`Invalid response_format.json_schema: ${problem}`, "response_format");
  for (const message of request.messages) {
    if (Array.isArray(message.content) && message.content.some((part) => part.type !== "text")) {
      throw badRequest("Local models don't support image content yet; send text parts only", "messages");
    }
  }
  toChatHistory(request.messages); // throws on tool call arguments that are not JSON
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
  const { LlamaChat, LlamaJsonSchemaValidationError } = await import("node-llama-cpp");
  const history = toChatHistory(request.messages);
  const grammar = await grammarFor(request, lease);
  const functions = toolFunctions(request);
  const chatWrapper =
    functions && mustCallTool(request) ? forcingFunctionCall(lease.chatWrapper) : lease.chatWrapper;
  const promptTokens = chatWrapper
    .generateContextState({
      chatHistory: history,
      availableFunctions: functions,
      documentFunctionParams: true,
    })
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
  // The sequence's meter counts every generated token, function-call tokens included.
  const outputTokensBefore = lease.sequence.tokenMeter.usedOutputTokens;
  const common: Pick<
    LLamaChatGenerateResponseOptions,
    | "signal"
    | "stopOnAbortSignal"
    | "maxTokens"
    | "temperature"
    | "topP"
    | "seed"
    | "customStopTriggers"
    | "repeatPenalty"
    | "onTextChunk"
  > = {
    signal,
    stopOnAbortSignal: false,
    maxTokens: Math.min(requested, room),
    // OpenAI's defaults: temperature 1, top_p 1.
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? undefined,
    seed: request.seed ?? undefined,
    customStopTriggers: stop.length > 0 ? stop : undefined,
    repeatPenalty:
      request.presence_penalty || request.frequency_penalty
        ? {
            presencePenalty: request.presence_penalty ?? undefined,
            frequencyPenalty: request.frequency_penalty ?? undefined,
          }
        : false,
    onTextChunk: (text) => {
      generatedText += text;
      hooks.onText?.(text);
    },
  };
  let generatedText = "";
  // Raw argument text per call, kept for calls whose arguments break the schema (see below).
  const rawCalls: RawFunctionCall[] = [];
  const chat = new LlamaChat({
    contextSequence: lease.sequence,
    chatWrapper,
    autoDisposeSequence: false,
  });
  try {
    signal.throwIfAborted();
    hooks.onStart?.();
    const result = functions
      ? await chat.generateResponse(history, {
          ...common,
          functions,
          documentFunctionParams: true,
          maxParallelFunctionCalls: request.parallel_tool_calls === false ? 1 : undefined,
          onFunctionCallParamsChunk: (chunk) => {
            rawCalls[chunk.callIndex] ??= { name: chunk.functionName, params: "", done: false };
            const raw = rawCalls[chunk.callIndex] as RawFunctionCall;
            raw.params += chunk.paramsChunk;
            raw.done = chunk.done;
          },
        })
      : await chat.generateResponse(history, { ...common, grammar });
    signal.throwIfAborted();
    const toolCalls = result.functionCalls?.length ? toToolCalls(result.functionCalls) : undefined;
    return {
      text: result.response,
      ...(toolCalls ? { toolCalls } : {}),
      finishReason: toolCalls ? "tool_calls" : result.metadata.stopReason === "maxTokens" ? "length" : "stop",
      promptTokens,
      completionTokens: lease.sequence.tokenMeter.usedOutputTokens - outputTokensBefore,
    };
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof ProviderError) throw error;
    const finished = rawCalls.filter((call) => call.done);
    if (error instanceof LlamaJsonSchemaValidationError && finished.length > 0) {
      // The grammar gave valid JSON that the schema still refuses (e.g. an integer too big to
      // parse exactly): pass the model's calls on as written, as OpenAI does for non-strict tools.
      return {
        text: generatedText,
        toolCalls: rawToolCalls(finished),
        finishReason: "tool_calls",
        promptTokens,
        completionTokens: lease.sequence.tokenMeter.usedOutputTokens - outputTokensBefore,
      };
    }
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
