import { NexusError } from "@nexus/core";

/** Why an http-request node's call failed. */
export type HttpRequestErrorKind =
  | "invalid"
  | "blocked"
  | "connection"
  | "timeout"
  | "too_large"
  | "aborted"
  | "unsupported";

/** An http-request node's call could not be made or completed; `message` says why. */
export class HttpRequestError extends NexusError {
  readonly kind: HttpRequestErrorKind;

  constructor(kind: HttpRequestErrorKind, message: string) {
    super(kind === "invalid" || kind === "unsupported" ? "invalid_request" : "unprocessable_entity", message);
    this.name = "HttpRequestError";
    this.kind = kind;
  }
}
