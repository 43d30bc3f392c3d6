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
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
  }

  get status(): number {
    return this.options.status;
  }
}

export const modelNotFound = (model: string) =>
  new ProviderError(`The model '${model}' does not exist or is not available`, {
    status: 404,
    type: "invalid_request_error",
    retryable: false,
  });
