import { z } from "zod";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "../protocol/openai-chat.ts";
import { readServerSentEvents } from "../protocol/server-sent-events.ts";
import type { CallOptions, ModelProvider, ProviderModel } from "./model-provider.ts";
import { ProviderError } from "./provider-error.ts";
import {
  defaultTimeouts,
  startUpstreamCall,
  type UpstreamCall,
  type UpstreamTimeouts,
  upstreamResponseError,
} from "./upstream-call.ts";

export interface OpenAICompatibleProviderOptions {
  /** Provider id, the prefix of its models' public names (`<id>/<model>`); no `/`. */
  id: string;
  /** Base URL including the API version, as OpenAI clients take it: `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Extra headers on every request (e.g. an organization header). */
  headers?: Record<string, string>;
  timeouts?: UpstreamTimeouts;
}

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/**
 * Any server speaking OpenAI's API: vLLM, Ollama, Jan, LM Studio, llama.cpp server, OpenAI.
 * Requests go out as the client sent them (only `model` replaced), so upstream extras such as
 * vLLM's sampling fields pass through; stream chunks are yielded as each SSE event arrives.
 *
 * @example
 * const vllm = createOpenAICompatibleProvider({ id: "vllm", baseURL: "http://127.0.0.1:8000/v1" });
 * for await (const chunk of vllm.doStream(request, { model: "qwen", signal })) process(chunk);
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): ModelProvider {
  const { id } = options;
  const baseURL = options.baseURL.replace(/\/+$/, "");
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };

  /** Sends a request; resolves once the upstream answered 2xx with headers. */
  async function send(call: UpstreamCall, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${baseURL}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: call.signal,
    });
    if (!response.ok) throw await upstreamResponseError(id, response);
    return response;
  }

  /**
   * A whole JSON exchange under one call's timeouts. A non-streamed completion has no first token
   * to wait for (its headers come with the whole answer), so only the total timeout applies to it.
   */
  async function exchange<T>(path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const call = startUpstreamCall(id, signal, timeouts);
    if (body !== undefined) call.firstToken();
    let completed = false;
    try {
      const response = await send(call, path, body);
      const result = (await response.json()) as T;
      completed = true;
      return result;
    } catch (error) {
      throw call.failure(error, false);
    } finally {
      call.end(completed);
    }
  }

  return {
    id,
    kind: "openai-compatible",

    async listModels(signal) {
      const listing = modelListSchema.safeParse(await exchange("/models", undefined, signal));
      if (!listing.success) throw invalidUpstreamAnswer(id, "a model list");
      return listing.data.data.map(
        (model): ProviderModel => ({
          id: model.id,
          // The OpenAI listing does not say what a model does; names are the only hint.
          capabilities: /embed/i.test(model.id) ? ["embeddings"] : ["chat"],
        }),
      );
    },

    async doGenerate(request, { model, signal }) {
      // A whole completion: the client's stream fields do not apply (OpenAI rejects stream_options without stream).
      const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
      const completion = await exchange<ChatCompletion>("/chat/completions", { ...rest, model }, signal);
      if (!Array.isArray(completion?.choices)) throw invalidUpstreamAnswer(id, "a chat completion");
      return completion;
    },

    doStream: (request, options) => streamChat(request, options),

    async doEmbed(request: EmbeddingRequest, { model, signal }: CallOptions) {
      const result = await exchange<EmbeddingResponse>("/embeddings", { ...request, model }, signal);
      if (!Array.isArray(result?.data)) throw invalidUpstreamAnswer(id, "embeddings");
      return result;
    },

    async close() {
      // fetch's shared connection pool belongs to the process; nothing of ours stays open.
    },
  };

  async function* streamChat(
    request: ChatCompletionRequest,
    { model, signal }: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    const call = startUpstreamCall(id, signal, timeouts);
    let afterFirstByte = false;
    let completed = false;
    try {
      const response = await send(call, "/chat/completions", { ...request, model, stream: true });
      if (!response.body) throw invalidUpstreamAnswer(id, "a stream");
      let finished = false;
      for await (const data of readServerSentEvents(response.body)) {
        if (data === "[DONE]") {
          finished = true;
          break;
        }
        const chunk = parseChunk(data);
        call.firstToken();
        afterFirstByte = true;
        if (chunk.choices?.some((choice) => choice.finish_reason)) finished = true;
        yield chunk;
      }
      // Ending without [DONE] is fine after a finish_reason (some servers skip it); before one, output was lost.
      if (!finished) {
        throw new ProviderError(`Upstream '${id}' stream ended before the completion finished`, {
          status: 502,
          type: "server_error",
          code: "upstream_stream_incomplete",
          retryable: !afterFirstByte,
        });
      }
      completed = true;
    } catch (error) {
      throw call.failure(error, afterFirstByte);
    } finally {
      // Also reached when the consumer stops early: aborting releases the upstream's work.
      call.end(completed);
    }
  }

  function parseChunk(data: string): ChatCompletionChunk {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      throw invalidUpstreamAnswer(id, "a JSON stream chunk", error);
    }
    const error = (parsed as { error?: { message?: string; type?: string; code?: unknown } }).error;
    if (error) {
      // An error event mid-stream (vLLM and OpenAI send these when generation fails).
      throw new ProviderError(error.message ?? `Upstream '${id}' failed mid-stream`, {
        status: 502,
        type: error.type ?? "server_error",
        code: typeof error.code === "string" ? error.code : undefined,
        retryable: false,
      });
    }
    return parsed as ChatCompletionChunk;
  }
}

function invalidUpstreamAnswer(providerId: string, expected: string, cause?: unknown): ProviderError {
  return new ProviderError(`Upstream '${providerId}' did not answer with ${expected}`, {
    status: 502,
    type: "server_error",
    code: "upstream_invalid_response",
    retryable: true,
    cause,
  });
}
