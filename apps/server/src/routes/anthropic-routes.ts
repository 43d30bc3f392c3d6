import { Readable } from "node:stream";
import {
  type AnthropicEventEncoderOptions,
  anthropicCountTokensRequestSchema,
  anthropicMessagesRequestSchema,
  anthropicRequestToOpenAI,
  type ChatCompletionChunk,
  createAnthropicEventEncoder,
  estimateAnthropicInputTokens,
  formatAnthropicEvent,
  openaiCompletionToAnthropic,
} from "@nexus/gateway";
import type { FastifyBaseLogger } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";
import { anthropicFailureOf, sendAnthropicError } from "./anthropic-errors.ts";
import { gatewayRequestContext } from "./gateway-request.ts";

const tags = ["anthropic"];

/**
 * Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`) over the
 * gateway, so Anthropic's SDKs and tools built on them work against Nexus with its base URL and
 * a Nexus key (sent as `x-api-key`). Requests are translated to the gateway's OpenAI format and
 * answers back, so every model the gateway routes to (aliases, local GGUF, vLLM, Anthropic) is
 * reachable. Errors on these routes are Anthropic's shape; the plugin's scope keeps that from
 * the rest of the API.
 */
export function anthropicRoutes({ gateway }: Pick<AppDependencies, "gateway">): FastifyPluginAsyncZod {
  return async (app) => {
    app.setErrorHandler(sendAnthropicError);

    app.post(
      "/v1/messages",
      {
        schema: {
          tags,
          summary: "A message, whole or streamed as server-sent events (Anthropic's Messages API)",
          body: anthropicMessagesRequestSchema,
        },
      },
      async (request, reply) => {
        const context = gatewayRequestContext(request, reply);
        const { body } = request;
        const translated = anthropicRequestToOpenAI(body);
        const options: AnthropicEventEncoderOptions = {
          model: body.model,
          stopSequences: body.stop_sequences,
        };
        reply.header("request-id", request.id);
        if (body.stream !== true) {
          return openaiCompletionToAnthropic(await gateway.generate(translated, context), options);
        }
        const chunks = gateway.stream(translated, context)[Symbol.asyncIterator]();
        // Failures before the first chunk (unknown model, limits, upstream 429) still get a status
        // and an error body from the error handler: nothing has been sent yet.
        const first = await chunks.next();
        reply
          .header("content-type", "text/event-stream; charset=utf-8")
          .header("cache-control", "no-cache")
          .header("x-accel-buffering", "no");
        return reply.send(
          Readable.from(anthropicServerSentEvents(first, chunks, options, request.id, request.log)),
        );
      },
    );

    app.post(
      "/v1/messages/count_tokens",
      {
        schema: {
          tags,
          summary:
            "Input tokens of a Messages request: an estimate (about four characters per token), not a tokenizer count",
          body: anthropicCountTokensRequestSchema,
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request);
        // An unknown model is a 404 here too, as on /v1/messages.
        await gateway.resolve(workspaceId, request.body.model);
        reply.header("request-id", request.id);
        return { input_tokens: estimateAnthropicInputTokens(request.body) };
      },
    );
  };
}

/**
 * Anthropic's SSE framing (`event: <type>` and `data: <json>`), one write per gateway chunk. A
 * failure after the first byte cannot change the status, so it ends the stream with an `error`
 * event, which Anthropic's SDKs raise. Stopping early (client gone) closes the gateway's stream.
 */
async function* anthropicServerSentEvents(
  first: IteratorResult<ChatCompletionChunk>,
  chunks: AsyncIterator<ChatCompletionChunk>,
  options: AnthropicEventEncoderOptions,
  requestId: string,
  log: FastifyBaseLogger,
): AsyncGenerator<string> {
  const encoder = createAnthropicEventEncoder(options);
  let completed = false;
  try {
    let result = first;
    while (!result.done) {
      const events = encoder.encode(result.value);
      if (events.length > 0) yield events.map(formatAnthropicEvent).join("");
      result = await chunks.next();
    }
    completed = true;
    yield encoder.finish().map(formatAnthropicEvent).join("");
  } catch (error) {
    completed = true;
    log.warn({ err: error }, "message stream failed after the first byte");
    yield formatAnthropicEvent(anthropicFailureOf(error, requestId).body);
  } finally {
    if (!completed) await chunks.return?.();
  }
}
