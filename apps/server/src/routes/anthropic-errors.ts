import { NexusError } from "@nexus/core";
import {
  type AnthropicErrorBody,
  type AnthropicErrorType,
  anthropicErrorTypeOf,
  ProviderError,
} from "@nexus/gateway";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

/**
 * Errors on the Anthropic routes in Anthropic's shape and statuses, so its SDKs raise the right
 * error classes (and retry what they retry): `{"type":"error","error":{"type","message"},"request_id"}`.
 */
export interface AnthropicFailure {
  status: number;
  body: AnthropicErrorBody;
  retryAfterSeconds?: number;
}

/** Anthropic's status and error type for a failure with this (Nexus) status. */
function anthropicStatusOf(status: number): { status: number; type: AnthropicErrorType } {
  // Anthropic says "overloaded" with 529, which its SDKs retry like any 5xx.
  if (status === 503) return { status: 529, type: "overloaded_error" };
  return { status, type: anthropicErrorTypeOf(status) };
}

/** Maps anything thrown while serving an Anthropic route to what the client is sent. */
export function anthropicFailureOf(error: unknown, requestId: string): AnthropicFailure {
  const { status: nexusStatus, message, retryAfterSeconds } = describe(error);
  const { status, type } = anthropicStatusOf(nexusStatus);
  return {
    status,
    body: { type: "error", error: { type, message }, request_id: requestId },
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

function describe(error: unknown): { status: number; message: string; retryAfterSeconds?: number } {
  if (error instanceof ProviderError) {
    return {
      status: error.status,
      message: error.message,
      retryAfterSeconds: error.options.retryAfterSeconds,
    };
  }
  if (error instanceof NexusError) return { status: error.status, message: error.message };
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const details = fastifyError.validation
      .slice(0, 5)
      .map((issue) => {
        const path = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join("; ");
    return { status: 400, message: `Invalid ${fastifyError.validationContext ?? "request"}: ${details}` };
  }
  if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { status: 413, message: "Request body is larger than the server accepts" };
  }
  if (error instanceof SyntaxError || fastifyError.code?.startsWith("FST_ERR_CTP_")) {
    return { status: 400, message: `Malformed request body: ${fastifyError.message}` };
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) return { status, message: fastifyError.message };
  return { status: 500, message: "Internal server error" };
}

/** The Anthropic routes' error handler: logs like the server's own, answers in Anthropic's shape. */
export function sendAnthropicError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const failure = anthropicFailureOf(error, request.id);
  if ((error as unknown) instanceof ProviderError) {
    request.log[failure.status >= 500 ? "warn" : "info"](
      { err: error, status: failure.status },
      "model call failed",
    );
  } else if (failure.status >= 500) {
    request.log.error({ err: error }, "request failed");
  } else {
    request.log.info(
      { errorType: failure.body.error.type, message: failure.body.error.message },
      "request rejected",
    );
  }
  if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
  return reply.header("request-id", request.id).status(failure.status).send(failure.body);
}
