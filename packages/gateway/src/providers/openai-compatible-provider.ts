import { z } from "zod";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "../protocol/openai-chat.ts";
import { parseJsonKeepingText } from "../protocol/raw-json.ts";
import { type RerankRequest, type RerankResponse, rerankResponseOf } from "../protocol/rerank.ts";
import type { ProviderTokenCounts, TokenizeRequest } from "../protocol/tokenize.ts";
import type { CallOptions, ModelProvider, ProviderModel } from "./model-provider.ts";
import { invalidUpstreamAnswer, ProviderError } from "./provider-error.ts";
import {
  defaultTimeouts,
  resolveTimeouts,
  startUpstreamCall,
  type UpstreamTimeouts,
  upstreamErrorFrom,
} from "./upstream-call.ts";
import { UpstreamChunkStream } from "./upstream-chunk-stream.ts";
import { createVllmTokenizeClient } from "./upstream-tokenize.ts";
import {
  createUpstreamTransport,
  readBodyText,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamTransport,
} from "./upstream-transport.ts";

export interface OpenAICompatibleProviderOptions {
  /** Provider id, the prefix of its models' public names (`<id>/<model>`); no `/`. */
  id: string;
  /** Base URL including the API version, as OpenAI clients take it: `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Extra headers on every request (e.g. an organization header). */
  headers?: Record<string, string>;
  /** Defaults for every call; a call's `CallOptions.timeouts` (its alias's) win field by field. */
  timeouts?: UpstreamTimeouts;
  /** Keep-alive connections to the upstream; further requests queue. Default 256. */
  maxConnections?: number;
}

/** The provider with its optional methods present. */
export interface OpenAICompatibleProvider extends ModelProvider {
  readonly kind: "openai-compatible";
  doEmbed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResponse>;
  doRerank(request: RerankRequest, options: CallOptions): Promise<RerankResponse>;
  /** vLLM's `/tokenize`; other upstreams answer `tokenize_not_supported` (upstream-tokenize.ts). */
  doTokenize(request: TokenizeRequest, options: CallOptions): Promise<ProviderTokenCounts>;
  /** Waits for requests in flight, then closes the kept-alive connections. */
  close(): Promise<void>;
}

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/**
 * Any server speaking OpenAI's API: vLLM, Ollama, Jan, LM Studio, llama.cpp server, OpenAI.
 * Requests go out as the client sent them (only `model` replaced), so upstream extras such as
 * vLLM's sampling fields pass through; stream chunks are yielded as each SSE event arrives, each
 * remembering its JSON text (`rawJsonOf`) so the server can forward it without re-serialising.
 *
 * @example
 * const vllm = createOpenAICompatibleProvider({ id: "vllm", baseURL: "http://127.0.0.1:8000/v1" });
 * for await (const chunk of vllm.doStream(request, { model: "qwen", signal })) process(chunk);
 */
export function createOpenAICompatibleProvider(
  options: OpenAICompatibleProviderOptions,
): OpenAICompatibleProvider {
  const { id } = options;
  const providerTimeouts = resolveTimeouts(defaultTimeouts, options.timeouts);
  const transport: UpstreamTransport = createUpstreamTransport({
    baseURL: options.baseURL,
    headers: { ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...options.headers },
    maxConnections: options.maxConnections,
  });

  /** Resolves once the upstream answered 2xx with headers; a non-2xx answer is read and thrown. */
  async function send(
    path: string,
    body: string | undefined,
    signal: UpstreamRequest["signal"],
    connectMs: number,
    fromRoot?: boolean,
  ): Promise<UpstreamResponse> {
    const response = await transport.request({ path, body, signal, connectMs, fromRoot });
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const text = await readBodyText(response.body);
    const retryAfter = response.headers["retry-after"];
    throw upstreamErrorFrom(id, {
      status: response.statusCode,
      text,
      retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
      statusText: response.statusText,
    });
  }

  /**
   * A whole JSON exchange under one call's timeouts. A non-streamed completion has no first token
   * to wait for (its headers come with the whole answer), so only connect and total apply to it.
   */
  async function exchange<T>(
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    callTimeouts: CallOptions["timeouts"],
    fromRoot?: boolean,
  ): Promise<T> {
    const timeouts = resolveTimeouts(providerTimeouts, callTimeouts);
    const call = startUpstreamCall(id, signal, timeouts);
    if (body !== undefined) call.firstToken();
    let completed = false;
    try {
      const json = body === undefined ? undefined : JSON.stringify(body);
      const response = await send(path, json, call.signal, timeouts.connectMs, fromRoot);
      const text = await response.body.text();
      let result: T;
      try {
        result = parseJsonKeepingText<T>(text);
      } catch (error) {
        throw invalidUpstreamAnswer(id, "JSON", error);
      }
      completed = true;
      return result;
    } catch (error) {
      throw call.failure(error, false);
    } finally {
      call.end(completed);
    }
  }

  const tokenizer = createVllmTokenizeClient(id);
  // vLLM serves `/tokenize` at the server root, beside `/v1` rather than under it.
  const tokenizePath = `${new URL(options.baseURL).pathname.replace(/\/+$/, "").replace(/\/v1$/, "")}/tokenize`;

  return {
    id,
    kind: "openai-compatible",

    async listModels(signal) {
      const listing = modelListSchema.safeParse(await exchange("/models", undefined, signal, undefined));
      if (!listing.success) throw invalidUpstreamAnswer(id, "a model list");
      return listing.data.data.map(
        (model): ProviderModel => ({
          id: model.id,
          // The OpenAI listing does not say what a model does; names are the only hint.
          capabilities: /embed/i.test(model.id) ? ["embeddings"] : ["chat"],
        }),
      );
    },

    async doGenerate(request, { model, signal, timeouts }) {
      // A whole completion: the client's stream fields do not apply (OpenAI rejects stream_options without stream).
      const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
      const completion = await exchange<ChatCompletion>(
        "/chat/completions",
        { ...rest, model },
        signal,
        timeouts,
      );
      if (!Array.isArray(completion?.choices)) throw invalidUpstreamAnswer(id, "a chat completion");
      return completion;
    },

    doStream: (request, options) => streamChat(request, options),

    async doEmbed(request, { model, signal, timeouts }) {
      const result = await exchange<EmbeddingResponse>(
        "/embeddings",
        { ...request, model },
        signal,
        timeouts,
      );
      if (!Array.isArray(result?.data)) throw invalidUpstreamAnswer(id, "embeddings");
      return result;
    },

    async doRerank(request, { model, signal, timeouts }): Promise<RerankResponse> {
      let answer: unknown;
      try {
        answer = await exchange<unknown>("/rerank", { ...request, model }, signal, timeouts);
      } catch (error) {
        throw error instanceof ProviderError && isMissingEndpoint(error)
          ? rerankNotSupported(id, error)
          : error;
      }
      const ranked = rerankResponseOf(request, answer, model);
      if (!ranked) throw invalidUpstreamAnswer(id, "a rerank result");
      return ranked;
    },

    doTokenize: (request, { model, signal, timeouts }) =>
      tokenizer.count(
        request.input,
        (prompt) =>
          exchange(tokenizePath, { model, prompt, add_special_tokens: true }, signal, timeouts, true),
        isMissingEndpoint,
      ),

    close: () => transport.close(),
  };

  function streamChat(
    request: ChatCompletionRequest,
    { model, signal, timeouts: callTimeouts }: CallOptions,
  ): UpstreamChunkStream {
    const timeouts = resolveTimeouts(providerTimeouts, callTimeouts);
    return new UpstreamChunkStream({
      providerId: id,
      startCall: () => startUpstreamCall(id, signal, timeouts),
      open: async (call) => {
        const json = JSON.stringify({ ...request, model, stream: true });
        return (await send("/chat/completions", json, call.signal, timeouts.connectMs)).body;
      },
      parse: parseChunk,
    });
  }

  function parseChunk(data: string): ChatCompletionChunk {
    let parsed: ChatCompletionChunk & { error?: { message?: string; type?: string; code?: unknown } };
    try {
      parsed = parseJsonKeepingText(data);
    } catch (error) {
      throw invalidUpstreamAnswer(id, "a JSON stream chunk", error);
    }
    const error = parsed?.error;
    if (error) {
      // An error event mid-stream (vLLM and OpenAI send these when generation fails).
      throw new ProviderError(error.message ?? `Upstream '${id}' failed mid-stream`, {
        status: 502,
        type: error.type ?? "server_error",
        code: typeof error.code === "string" ? error.code : undefined,
        retryable: false,
      });
    }
    return parsed;
  }
}

/** A 404 that names no model is the route missing, not the model (OpenAI's "Invalid URL", FastAPI's "Not Found"). */
function isMissingEndpoint(error: ProviderError): boolean {
  return error.status === 404 && !/model/i.test(error.message);
}

function rerankNotSupported(providerId: string, cause: ProviderError): ProviderError {
  return new ProviderError(
    `Upstream '${providerId}' has no rerank endpoint (POST /rerank answered 404: ${cause.message})`,
    {
      status: 400,
      type: "invalid_request_error",
      code: "rerank_not_supported",
      param: "model",
      retryable: false,
      cause,
    },
  );
}
