/**
 * A failure of an upstream model call, carrying what the gateway needs to decide what to do next
 * and what the client should see.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly options: {
      /** HTTP status to give the client (the upstream's, or the closest fit). */
      status: number;
      /** OpenAI error type, e.g. `invalid_request_error`, `rate_limit_error`, `server_error`. */
      type: string;
      /** Another deployment may succeed (connect errors, 429, 5xx, timeouts before the first byte). */
      retryable: boolean;
      /** Seconds the upstream asked to wait (429 `Retry-After`). */
      retryAfterSeconds?: number;
      /** OpenAI error code, e.g. `model_not_found`, `upstream_timeout`. */
      code?: string;
      /** The request field at fault, when known. */
      param?: string;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
  }

  get status(): number {
    return this.options.status;
  }

  get retryable(): boolean {
    return this.options.retryable;
  }

  /** The body a client sees: Nexus's error shape, with OpenAI's `code` when there is one. */
  toBody(): { error: { type: string; message: string; param?: string; code?: string } } {
    const { type, param, code } = this.options;
    return { error: { type, message: this.message, ...(param ? { param } : {}), ...(code ? { code } : {}) } };
  }
}

export const modelNotFound = (model: string, detail = "does not exist or is not available") =>
  new ProviderError(`The model '${model}' ${detail}`, {
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
    retryable: false,
  });

/** An upstream answered, but not with what its protocol promises (not JSON, no choices…): retry elsewhere. */
export function invalidUpstreamAnswer(providerId: string, expected: string, cause?: unknown): ProviderError {
  return new ProviderError(`Upstream '${providerId}' did not answer with ${expected}`, {
    status: 502,
    type: "server_error",
    code: "upstream_invalid_response",
    retryable: true,
    cause,
  });
}
