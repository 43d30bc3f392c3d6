/**
 * The one error shape Nexus returns to clients: `{"error":{"type","message","param"?}}`.
 * Throw a NexusError anywhere; the server maps it to its HTTP status.
 */
export type ErrorType =
  | "invalid_request"
  | "authentication_error"
  | "permission_denied"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable_entity"
  | "rate_limited"
  | "internal_error"
  | "service_unavailable";

const statusByType: Record<ErrorType, number> = {
  invalid_request: 400,
  authentication_error: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_entity: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
};

export class NexusError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly param?: string;

  constructor(type: ErrorType, message: string, options: { param?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "NexusError";
    this.type = type;
    this.status = statusByType[type];
    this.param = options.param;
  }

  toBody(): { error: { type: ErrorType; message: string; param?: string } } {
    return {
      error: { type: this.type, message: this.message, ...(this.param ? { param: this.param } : {}) },
    };
  }
}

export const invalidRequest = (message: string, param?: string) =>
  new NexusError("invalid_request", message, { param });
export const notFound = (what: string, id: string) =>
  new NexusError("not_found", `${what} '${id}' not found`);
export const permissionDenied = (message: string) => new NexusError("permission_denied", message);
export const unauthenticated = (message: string) => new NexusError("authentication_error", message);
export const conflict = (message: string) => new NexusError("conflict", message);
