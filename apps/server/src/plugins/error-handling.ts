import { NexusError } from "@nexus/core";
import { ProviderError } from "@nexus/gateway";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

/**
 * Every failure leaves as `{"error":{"type","message","param"?}}` with a fitting status.
 * Client mistakes are 4xx and logged at info; anything else is a 500 whose details stay in the log.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if ((error as unknown) instanceof ProviderError) {
      // A model call failed: the upstream's status (or the closest fit) and OpenAI's error code.
      const failure = error as unknown as ProviderError;
      const { retryAfterSeconds } = failure.options;
      if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
      request.log[failure.status >= 500 ? "warn" : "info"](
        { err: failure, status: failure.status },
        "model call failed",
      );
      return reply.status(failure.status).send(failure.toBody());
    }
    const mapped = toNexusError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ errorType: mapped.type, message: mapped.message }, "request rejected");
    return reply.status(mapped.status).send(mapped.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new NexusError("not_found", `No route for ${request.method} ${request.url.split("?")[0]}`);
    return reply.status(404).send(error.toBody());
  });
}

function toNexusError(error: FastifyError): NexusError {
  if (error instanceof NexusError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = error.validationContext ?? "request";
    const details = error.validation
      .slice(0, 5)
      .map((issue) => {
        const path = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join("; ");
    const param = first?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
    return new NexusError("invalid_request", `Invalid ${where}: ${details}`, { param });
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new NexusError("payload_too_large", "Request body is larger than the server accepts");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new NexusError("invalid_request", `Malformed JSON body: ${error.message}`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new NexusError("unsupported_media_type", `${error.message}; send application/json`);
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new NexusError("invalid_request", `Malformed JSON body: ${error.message}`);
  }
  if (error.statusCode === 413) return new NexusError("payload_too_large", error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new NexusError("invalid_request", error.message);
  }
  return new NexusError("internal_error", "Internal server error", { cause: error });
}
