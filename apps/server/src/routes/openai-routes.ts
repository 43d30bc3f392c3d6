import { Readable } from "node:stream";
import {
  type ChatCompletionChunk,
  chatCompletionRequestSchema,
  embeddingRequestSchema,
  ProviderError,
} from "@nexus/gateway";
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";

/**
 * OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`, `/v1/embeddings`), so any OpenAI
 * SDK works against Nexus by changing its base URL. Any key of any workspace may call it; what a
 * workspace may use (aliases, quotas) comes with the gateway's routing layer.
 */
export function openaiRoutes({ gateway }: Pick<AppDependencies, "gateway">): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/models",
      { schema: { tags: ["openai"], summary: "Models the gateway routes to (OpenAI's list format)" } },
      async (request) => {
        principalOf(request);
        return { object: "list", data: await gateway.listModels() };
      },
    );

    app.post(
      "/v1/chat/completions",
      {
        schema: {
          tags: ["openai"],
          summary: "Chat completion, whole or streamed as server-sent events (OpenAI's format)",
          body: chatCompletionRequestSchema,
        },
      },
      async (request, reply) => {
        principalOf(request);
        const signal = abortedOnClientClose(reply);
        if (request.body.stream !== true) return gateway.generate(request.body, signal);
        const chunks = gateway.stream(request.body, signal)[Symbol.asyncIterator]();
        // Failures before the first chunk (unknown model, upstream 429, timeouts) still get a
        // proper status and JSON body from the error handler: nothing has been sent yet.
        const first = await chunks.next();
        reply
          .header("content-type", "text/event-stream")
          .header("cache-control", "no-cache")
          .header("x-accel-buffering", "no");
        return reply.send(Readable.from(serverSentEvents(first, chunks, request.log)));
      },
    );

    app.post(
      "/v1/embeddings",
      {
        schema: {
          tags: ["openai"],
          summary: "Embeddings of one or more inputs (OpenAI's format)",
          body: embeddingRequestSchema,
        },
      },
      async (request, reply) => {
        principalOf(request);
        return gateway.embed(request.body, abortedOnClientClose(reply));
      },
    );
  };
}

/** A signal that aborts when the client goes away before the response is complete. */
function abortedOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client closed the connection"));
  });
  return controller.signal;
}

/**
 * OpenAI's SSE framing: `data: <chunk>` per chunk, then `data: [DONE]`. A failure after the first
 * byte cannot change the status any more, so it ends the stream with a `data: {"error":…}` event,
 * which the OpenAI SDKs raise as an error. Stopping early (client gone) closes the upstream stream.
 */
async function* serverSentEvents(
  first: IteratorResult<ChatCompletionChunk>,
  chunks: AsyncIterator<ChatCompletionChunk>,
  log: FastifyBaseLogger,
): AsyncGenerator<string> {
  let completed = false;
  try {
    let result = first;
    while (!result.done) {
      yield `data: ${JSON.stringify(result.value)}\n\n`;
      result = await chunks.next();
    }
    completed = true;
    yield "data: [DONE]\n\n";
  } catch (error) {
    completed = true;
    const body =
      error instanceof ProviderError
        ? error.toBody()
        : { error: { type: "internal_error", message: "The stream failed; details are in the server log" } };
    log.warn({ err: error }, "chat stream failed after the first byte");
    yield `data: ${JSON.stringify(body)}\n\n`;
  } finally {
    if (!completed) await chunks.return?.();
  }
}
