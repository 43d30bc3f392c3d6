import { ApiError, messageOf } from "../api-client.ts";

/** A failure to show in the chat, with what is known about its kind. */
export interface ChatError {
  message: string;
  type?: string;
  status?: number;
  retryAfterSeconds?: number;
}

export function chatErrorOf(error: unknown): ChatError {
  if (error instanceof ApiError) {
    return {
      message: error.message,
      type: error.type,
      status: error.status,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  return { message: messageOf(error) };
}

export type ErrorKind = "model_missing" | "rate_limited" | "provider_down" | "too_large" | "other";

/**
 * Which way forward to offer. The generation error stored on a message is only text, so the
 * words are read too when there is no type or status.
 */
export function errorKindOf(error: ChatError): ErrorKind {
  const text = error.message.toLowerCase();
  if (error.status === 413 || error.type === "payload_too_large") return "too_large";
  if (
    error.status === 429 ||
    error.type === "rate_limited" ||
    error.type === "rate_limit_error" ||
    /rate.?limit|too many requests|\b429\b|budget/.test(text)
  ) {
    return "rate_limited";
  }
  if (
    error.type === "model_not_found" ||
    /model_not_found|no model|unknown model|\bmodel\b.*\b(does not exist|is not available|not found)/.test(
      text,
    )
  ) {
    return "model_missing";
  }
  if (
    (error.status !== undefined && error.status >= 502 && error.status <= 504) ||
    error.type === "service_unavailable" ||
    error.type === "server_error" ||
    /unavailable|econnrefused|connect|timed? ?out|upstream|provider|\b50[0234]\b/.test(text)
  ) {
    return "provider_down";
  }
  return "other";
}

/** Seconds until a retry may work: Retry-After, "retry in 7 s", or a budget's "resets at <time>". */
function retrySecondsOf(error: ChatError): number | null {
  if (error.retryAfterSeconds) return error.retryAfterSeconds;
  const named = /(?:retry|try again)[^\d]{0,20}(\d+)\s*s/i.exec(error.message)?.[1];
  if (named) return Number(named);
  const resetsAt = /resets at (\d{4}-\d\d-\d\dT[\d:.]+Z)/i.exec(error.message)?.[1];
  if (resetsAt) return Math.max(1, (Date.parse(resetsAt) - Date.now()) / 1_000);
  return null;
}

/** When to try again, in words. */
export function retryHintOf(error: ChatError): string {
  const seconds = retrySecondsOf(error);
  if (seconds !== null && Number.isFinite(seconds) && seconds > 0) {
    if (seconds > 3_600) return `Try again after ${new Date(Date.now() + seconds * 1_000).toLocaleString()}.`;
    const at = new Date(Date.now() + seconds * 1_000).toLocaleTimeString();
    return `Try again in ${Math.ceil(seconds)} seconds (at ${at}).`;
  }
  return "Try again in a minute, or ask an admin to raise the workspace's limits.";
}
