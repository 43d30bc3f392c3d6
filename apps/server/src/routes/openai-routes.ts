import {
  anthropicModelListOf,
  chatCompletionRequestSchema,
  embeddingRequestSchema,
  isPlainChatCompletionRequest,
  rawJsonOf,
  rerankRequestSchema,
} from "@nexus/gateway";
import type { FastifyReply, FastifySchemaCompiler } from "fastify";
import { type FastifyPluginAsyncZod, validatorCompiler } from "fastify-type-provider-zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";
import { gatewayRequestContext } from "./gateway-request.ts";
import { sendChatCompletionStream } from "./openai-stream-response.ts";

/**
 * OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`, `/v1/embeddings`), so any OpenAI
 * SDK works against Nexus by changing its base URL. Any key of any workspace may call it; what a
 * workspace may use (aliases, quotas) comes with the gateway's routing layer.
 */
export function openaiRoutes({ gateway }: Pick<AppDependencies, "gateway">): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/models",
      {
        schema: {
          tags: ["openai"],
          summary:
            "Models the gateway routes to (OpenAI's list format; Anthropic's when `anthropic-version` is sent)",
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        const models = await gateway.listModels({ workspaceId, signal: AbortSignal.timeout(10_000) });
        // Anthropic's SDKs list models at the same path and always send this header.
        if (request.headers["anthropic-version"] !== undefined) return anthropicModelListOf(models);
        return { object: "list", data: models };
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
        validatorCompiler: chatBodyValidatorCompiler,
      },
      async (request, reply) => {
        const context = gatewayRequestContext(request, reply);
        if (request.body.stream !== true)
          return sendAnswer(reply, await gateway.generate(request.body, context));
        const chunks = gateway.stream(request.body, context)[Symbol.asyncIterator]();
        // Failures before the first chunk (unknown model, upstream 429, timeouts) still get a
        // proper status and JSON body from the error handler: nothing has been sent yet.
        const first = await chunks.next();
        return sendChatCompletionStream(reply, first, chunks);
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
        return sendAnswer(reply, await gateway.embed(request.body, gatewayRequestContext(request, reply)));
      },
    );

    app.post(
      "/v1/rerank",
      {
        schema: {
          tags: ["openai"],
          summary:
            "Documents ordered by relevance to a query (Cohere/Jina/vLLM shape; by embedding similarity where the model has no reranker)",
          body: rerankRequestSchema,
        },
      },
      async (request, reply) => gateway.rerank(request.body, gatewayRequestContext(request, reply)),
    );
  };
}

/**
 * zod's validator for the chat body, behind a hand-written check that passes the common plain
 * request as it is (zod would only copy it): the same acceptance and error messages, less CPU.
 */
const chatBodyValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  if (route.httpPart !== "body") return validate;
  return (body) => (isPlainChatCompletionRequest(body) ? { value: body } : validate(body));
};

/** An upstream's answer as the JSON text it arrived as (embeddings are large), else serialized. */
function sendAnswer(reply: FastifyReply, answer: object) {
  const raw = rawJsonOf(answer);
  return raw === undefined ? answer : reply.type("application/json; charset=utf-8").send(raw);
}
