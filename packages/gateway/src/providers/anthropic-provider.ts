import {
  type UpstreamAnthropicEvent,
  upstreamAnthropicEventSchema,
  upstreamAnthropicMessageSchema,
  upstreamAnthropicModelListSchema,
} from "../protocol/anthropic-messages.ts";
import { createOpenAIChunkDecoder } from "../protocol/anthropic-upstream-stream.ts";
import {
  anthropicMessageToOpenAI,
  openaiRequestToAnthropic,
} from "../protocol/anthropic-upstream-translation.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { readServerSentEvents } from "../protocol/server-sent-events.ts";
import type { RouteTimeouts } from "../routing/gateway-config.ts";
import type { CallOptions, ModelProvider, ProviderModel } from "./model-provider.ts";
import { invalidUpstreamAnswer, ProviderError } from "./provider-error.ts";
import {
  defaultTimeouts,
  parseRetryAfter,
  startUpstreamCall,
  type UpstreamCall,
  type UpstreamTimeouts,
  upstreamResponseError,
} from "./upstream-call.ts";

export interface AnthropicProviderOptions {
  /** Provider id, the prefix of its models' public names (`<id>/<model>`); no `/`. */
  id: string;
  /** `https://api.anthropic.com` (or a proxy of it), with or without `/v1`. */
  baseURL: string;
  /** Sent as `x-api-key`. */
  apiKey?: string;
  /** Extra headers on every request, e.g. `anthropic-beta`; may override `anthropic-version`. */
  headers?: Record<string, string>;
  timeouts?: UpstreamTimeouts;
}

/** The Messages API version Nexus speaks (Anthropic's stable one). */
export const anthropicApiVersion = "2023-06-01";

const modelPageLimit = 1000;
const maxModelPages = 20;
const knownEventTypes: ReadonlySet<string> = new Set(
  upstreamAnthropicEventSchema.options.map((option) => option.shape.type.value),
);

/**
 * Anthropic's Messages API as a provider: OpenAI requests are translated to Messages requests and
 * answers back (protocol/anthropic-upstream-*.ts), over plain fetch so a stream's events become
 * chunks the moment they arrive.
 *
 * @example
 * const claude = createAnthropicProvider({ id: "anthropic", baseURL: "https://api.anthropic.com", apiKey });
 * await claude.doGenerate({ model: "fast", messages }, { model: "claude-haiku-4-5", signal });
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const { id } = options;
  const baseURL = options.baseURL.replace(/\/+$/, "").replace(/\/v1$/, "");
  const providerTimeouts = { ...defaultTimeouts, ...options.timeouts };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": anthropicApiVersion,
    ...(options.apiKey ? { "x-api-key": options.apiKey } : {}),
    ...options.headers,
  };

  /**
   * A call's timeouts (its alias's) over the provider's, field by field. fetch cannot tell
   * connecting from waiting, so the first-token wait, counted from the start, covers the connect.
   */
  function timeoutsOf(route: RouteTimeouts | undefined): Required<UpstreamTimeouts> {
    const set = Object.entries(route ?? {}).filter(([, value]) => value !== undefined);
    return { ...providerTimeouts, ...Object.fromEntries(set) };
  }

  async function send(call: UpstreamCall, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${baseURL}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: call.abortSignal(),
    });
    if (!response.ok) throw await anthropicResponseError(id, response);
    return response;
  }

  /** A whole JSON exchange; a non-streamed answer has no first token to wait for, only the total. */
  async function exchange(
    path: string,
    body: unknown,
    signal?: AbortSignal,
    route?: RouteTimeouts,
  ): Promise<unknown> {
    const call = startUpstreamCall(id, signal, timeoutsOf(route));
    if (body !== undefined) call.firstToken();
    let completed = false;
    try {
      const result: unknown = await (await send(call, path, body)).json();
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
    kind: "anthropic",

    async listModels(signal) {
      const models: ProviderModel[] = [];
      let afterId: string | undefined;
      for (let page = 0; page < maxModelPages; page++) {
        const query = new URLSearchParams({
          limit: String(modelPageLimit),
          ...(afterId ? { after_id: afterId } : {}),
        });
        const listing = upstreamAnthropicModelListSchema.safeParse(
          await exchange(`/v1/models?${query}`, undefined, signal),
        );
        if (!listing.success) throw invalidUpstreamAnswer(id, "a model list", listing.error);
        for (const model of listing.data.data) {
          models.push({
            id: model.id,
            // Every Claude model since Claude 3 reads images and calls tools.
            capabilities: ["chat", "vision", "tools"],
            ...(model.max_input_tokens ? { contextLength: model.max_input_tokens } : {}),
          });
        }
        if (!listing.data.has_more || !listing.data.last_id) break;
        afterId = listing.data.last_id;
      }
      return models;
    },

    async doGenerate(request, { model, signal, timeouts }) {
      const body = openaiRequestToAnthropic(request, model);
      const message = upstreamAnthropicMessageSchema.safeParse(
        await exchange("/v1/messages", body, signal, timeouts),
      );
      if (!message.success) throw invalidUpstreamAnswer(id, "a message", message.error);
      return anthropicMessageToOpenAI(message.data, model);
    },

    doStream: (request, options) => streamMessages(request, options),

    async close() {
      // fetch's shared connection pool belongs to the process; nothing of ours stays open.
    },
  };

  async function* streamMessages(
    request: ChatCompletionRequest,
    { model, signal, timeouts }: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    const call = startUpstreamCall(id, signal, timeoutsOf(timeouts));
    let afterFirstByte = false;
    let completed = false;
    try {
      const body = { ...openaiRequestToAnthropic(request, model), stream: true };
      const response = await send(call, "/v1/messages", body);
      if (!response.body) throw invalidUpstreamAnswer(id, "a stream");
      const decoder = createOpenAIChunkDecoder({
        includeUsage: request.stream_options?.include_usage === true,
        model,
      });
      for await (const data of readServerSentEvents(response.body)) {
        const event = parseEvent(data);
        if (!event || event.type === "ping") continue;
        if (event.type === "error") throw streamError(id, event.error, afterFirstByte);
        call.firstToken();
        for (const chunk of decoder.decode(event)) {
          afterFirstByte = true;
          yield chunk;
        }
        if (decoder.finished) break;
      }
      if (!decoder.finished) {
        throw new ProviderError(`Upstream '${id}' stream ended before the message finished`, {
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

  /** One SSE data payload; undefined for event types newer than this code (skipped, as Anthropic advises). */
  function parseEvent(data: string): UpstreamAnthropicEvent | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      throw invalidUpstreamAnswer(id, "a JSON stream event", error);
    }
    const type = (parsed as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !knownEventTypes.has(type)) return undefined;
    const event = upstreamAnthropicEventSchema.safeParse(parsed);
    if (!event.success) throw invalidUpstreamAnswer(id, `a valid '${type}' event`, event.error);
    return event.data;
  }
}

/** Anthropic's error types as the OpenAI types the gateway's clients know. */
const openaiErrorTypes: Record<string, string> = {
  not_found_error: "invalid_request_error",
  request_too_large: "invalid_request_error",
  api_error: "server_error",
  overloaded_error: "server_error",
};

/** A non-2xx answer: the shared mapping, plus Anthropic's 529 overloaded and its error type names. */
async function anthropicResponseError(providerId: string, response: Response): Promise<ProviderError> {
  const error = await upstreamResponseError(providerId, response);
  if (response.status === 529) {
    return new ProviderError(`Upstream '${providerId}' is overloaded: ${error.message}`, {
      status: 503,
      type: "server_error",
      code: "upstream_overloaded",
      retryable: true,
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
    });
  }
  const type = openaiErrorTypes[error.options.type] ?? error.options.type;
  const code =
    response.status === 400 && /prompt is too long/i.test(error.message)
      ? "context_length_exceeded"
      : error.options.code;
  return type === error.options.type && code === error.options.code
    ? error
    : new ProviderError(error.message, { ...error.options, type, code });
}

const streamErrorStatus: Record<string, number> = {
  invalid_request_error: 400,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  overloaded_error: 503,
};

/** An `error` event: Anthropic sends these after the 200 (overload mid-answer, say). */
function streamError(
  providerId: string,
  error: { type?: string | null; message?: string | null },
  afterFirstByte: boolean,
): ProviderError {
  const status = streamErrorStatus[error.type ?? ""] ?? 502;
  return new ProviderError(error.message ?? `Upstream '${providerId}' failed mid-stream`, {
    status,
    type: status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error",
    code: error.type === "overloaded_error" ? "upstream_overloaded" : undefined,
    retryable: !afterFirstByte && (status >= 500 || status === 429),
  });
}
