import { type ErrorType, NexusError } from "@nexus/core";

/** Why a browser operation failed, as clients and reports see it. */
export type BrowserErrorCode =
  | "url_blocked"
  | "navigation_failed"
  | "timeout"
  | "action_failed"
  | "element_not_found"
  | "model_output_invalid"
  | "extraction_mismatch"
  | "max_steps"
  | "session_limit"
  | "session_closed"
  | "session_not_found"
  | "browser_unavailable"
  | "task_not_found"
  | "invalid_schema";

const typeByCode: Record<BrowserErrorCode, ErrorType> = {
  url_blocked: "permission_denied",
  navigation_failed: "unprocessable_entity",
  timeout: "unprocessable_entity",
  action_failed: "unprocessable_entity",
  element_not_found: "unprocessable_entity",
  model_output_invalid: "unprocessable_entity",
  extraction_mismatch: "unprocessable_entity",
  max_steps: "unprocessable_entity",
  session_limit: "rate_limited",
  session_closed: "conflict",
  session_not_found: "not_found",
  browser_unavailable: "service_unavailable",
  task_not_found: "not_found",
  invalid_schema: "invalid_request",
};

/** A NexusError (so the server answers with its status) that also names the browser failure. */
export class BrowserError extends NexusError {
  constructor(
    readonly code: BrowserErrorCode,
    message: string,
    options: { cause?: unknown; param?: string } = {},
  ) {
    super(typeByCode[code], message, options);
    this.name = "BrowserError";
  }
}
