import { EventEmitter } from "node:events";
import { z } from "zod";
import type { RouteTimeouts } from "../routing/gateway-config.ts";
import { ProviderError } from "./provider-error.ts";

/**
 * One HTTP call to an upstream with the gateway's timeouts and the client's abort signal folded
 * into one AbortSignal, and every way it can fail mapped to a ProviderError. Shared by the
 * providers that speak HTTP.
 */
export interface UpstreamTimeouts {
  /**
   * Milliseconds to establish the connection; 504 when exceeded. Providers on plain fetch cannot
   * tell connecting from waiting, so for them it is part of the first-token wait.
   */
  connectMs?: number;
  /** Milliseconds until the first byte of the answer (a stream's first chunk); 504 when exceeded. */
  firstTokenMs?: number;
  /** Milliseconds for the whole call; 504 when exceeded. */
  totalMs?: number;
}

export const defaultTimeouts: Required<UpstreamTimeouts> = {
  connectMs: 10_000,
  firstTokenMs: 120_000,
  totalMs: 600_000,
};

/** A provider's timeouts with one call's (an alias's) on top; unset fields keep the provider's. */
export function resolveTimeouts(
  provider: Required<UpstreamTimeouts>,
  call: RouteTimeouts | undefined,
): Required<UpstreamTimeouts> {
  if (!call) return provider;
  return {
    connectMs: call.connectMs ?? provider.connectMs,
    firstTokenMs: call.firstTokenMs ?? provider.firstTokenMs,
    totalMs: call.totalMs ?? provider.totalMs,
  };
}

export interface UpstreamCall {
  /**
   * Pass to the undici transport: aborts on client abort, timeout or `end(false)`. An EventEmitter
   * (undici takes one) rather than an AbortSignal: a signal costs more than the rest of the call's
   * bookkeeping, and every upstream request has one.
   */
  signal: UpstreamAbort;
  /** The same as a standard AbortSignal, for fetch; made on first use. */
  abortSignal(): AbortSignal;
  /** The first byte arrived: stops the first-token timer. */
  firstToken(): void;
  /** Clears timers and listeners; aborts the request unless it completed. */
  end(completed: boolean): void;
  /** Maps anything thrown during the call to a ProviderError. */
  failure(error: unknown, afterFirstByte: boolean): ProviderError;
}

/** What undici accepts as a request's signal: `aborted`, `reason` and an `abort` event. */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}

export function startUpstreamCall(
  providerId: string,
  clientSignal: AbortSignal | undefined,
  callTimeouts: UpstreamTimeouts,
): UpstreamCall {
  return new UpstreamCallState(providerId, clientSignal, resolveTimeouts(defaultTimeouts, callTimeouts));
}

type TimeoutKind = "first token" | "total";

/**
 * One timer at a time: the first-token deadline, then (if the call is still going) what is left
 * of the total. A call that ends within the first-token timeout, as nearly all do, arms one timer.
 */
class UpstreamCallState implements UpstreamCall {
  readonly signal = new UpstreamAbort();
  private standardSignal: AbortController | undefined;
  private timedOut: TimeoutKind | undefined;
  private sawFirstToken = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(
    private readonly providerId: string,
    private readonly clientSignal: AbortSignal | undefined,
    private readonly timeouts: Required<UpstreamTimeouts>,
  ) {
    if (clientSignal?.aborted) this.signal.abort(clientSignal.reason);
    else clientSignal?.addEventListener("abort", this, { once: true });
    const { firstTokenMs, totalMs } = timeouts;
    this.timer =
      firstTokenMs < totalMs
        ? setTimeout(timerFired, firstTokenMs, this, "first token")
        : setTimeout(timerFired, totalMs, this, "total");
  }

  /** The client's signal aborted. */
  handleEvent(): void {
    this.signal.abort(this.clientSignal?.reason);
  }

  onTimer(kind: TimeoutKind): void {
    this.timer = undefined;
    if (kind === "first token" && this.sawFirstToken) {
      const left = this.timeouts.totalMs - (performance.now() - this.startedAt);
      this.timer = setTimeout(timerFired, Math.max(0, left), this, "total");
      return;
    }
    this.timedOut = kind;
    this.signal.abort(new Error(`${kind} timeout`));
  }

  abortSignal(): AbortSignal {
    if (!this.standardSignal) {
      const controller = new AbortController();
      this.standardSignal = controller;
      if (this.signal.aborted) controller.abort(this.signal.reason);
      else this.signal.once("abort", () => controller.abort(this.signal.reason));
    }
    return this.standardSignal.signal;
  }

  firstToken(): void {
    this.sawFirstToken = true;
  }

  end(completed: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clientSignal?.removeEventListener("abort", this);
    if (!completed) this.signal.abort(new DOMException("This operation was aborted", "AbortError"));
  }

  failure(error: unknown, afterFirstByte: boolean): ProviderError {
    const { providerId, timedOut, timeouts } = this;
    if (error instanceof ProviderError) return error;
    if (timedOut) {
      const ms = timedOut === "total" ? timeouts.totalMs : timeouts.firstTokenMs;
      return new ProviderError(`Upstream '${providerId}' exceeded its ${timedOut} timeout (${ms} ms)`, {
        status: 504,
        type: "server_error",
        code: "upstream_timeout",
        retryable: !afterFirstByte,
        cause: error,
      });
    }
    if ((error as { code?: unknown } | undefined)?.code === "UND_ERR_CONNECT_TIMEOUT") {
      // undici's own connect timer (its pools carry the connect timeout).
      return new ProviderError(
        `Upstream '${providerId}' exceeded its connect timeout (${timeouts.connectMs} ms)`,
        { status: 504, type: "server_error", code: "upstream_timeout", retryable: true, cause: error },
      );
    }
    if (this.clientSignal?.aborted) {
      return new ProviderError("The client closed the request", {
        status: 499,
        type: "client_closed_request",
        retryable: false,
        cause: error,
      });
    }
    const detail =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : "";
    return new ProviderError(
      afterFirstByte
        ? `Upstream '${providerId}' stream broke off: ${detail}`
        : `Upstream '${providerId}' is unreachable: ${detail}`,
      {
        status: 502,
        type: "server_error",
        code: afterFirstByte ? "upstream_stream_broken" : "upstream_unreachable",
        retryable: !afterFirstByte,
        cause: error,
      },
    );
  }
}

const timerFired = (call: UpstreamCallState, kind: TimeoutKind) => call.onTimer(kind);

// Upstreams disagree on error bodies: OpenAI and newer vLLM nest under `error`, older vLLM puts
// the fields at the top level, Ollama sends `{"error":"text"}`, FastAPI servers `{"detail":...}`.
const upstreamErrorBodySchema = z.object({
  error: z
    .union([
      z.string(),
      z.object({
        message: z.string().nullish(),
        type: z.string().nullish(),
        param: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
      }),
    ])
    .nullish(),
  message: z.string().nullish(),
  type: z.string().nullish(),
  detail: z.unknown().optional(),
});

/** Maps a non-2xx fetch response to the ProviderError the client should see. */
export async function upstreamResponseError(providerId: string, response: Response): Promise<ProviderError> {
  const text = await response.text().catch(() => "");
  return upstreamErrorFrom(providerId, {
    status: response.status,
    text,
    retryAfter: response.headers.get("retry-after"),
    statusText: response.statusText,
  });
}

/** Maps a non-2xx upstream answer (status, body text, `Retry-After`) to the ProviderError the client should see. */
export function upstreamErrorFrom(
  providerId: string,
  answer: { status: number; text: string; retryAfter?: string | null; statusText?: string },
): ProviderError {
  const { status, text } = answer;
  let parsed: z.infer<typeof upstreamErrorBodySchema> = {};
  try {
    parsed = upstreamErrorBodySchema.parse(JSON.parse(text));
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone decides.
  }
  const nested = typeof parsed.error === "object" ? parsed.error : undefined;
  const message =
    nested?.message ??
    (typeof parsed.error === "string" ? parsed.error : undefined) ??
    parsed.message ??
    (typeof parsed.detail === "string" ? parsed.detail : undefined) ??
    (parsed.detail === undefined ? undefined : JSON.stringify(parsed.detail)) ??
    (text.slice(0, 200) || answer.statusText || `HTTP ${status}`);
  const code = typeof nested?.code === "string" ? nested.code : undefined;
  if (status === 401 || status === 403) {
    // The upstream refused Nexus's credentials: the client's key is fine, the deployment is not.
    return new ProviderError(`Upstream '${providerId}' rejected its credentials: ${message}`, {
      status: 502,
      type: "server_error",
      code: "upstream_auth_failed",
      retryable: true,
    });
  }
  if (status === 429) {
    return new ProviderError(message, {
      status,
      type: "rate_limit_error",
      code,
      retryable: true,
      retryAfterSeconds: parseRetryAfter(answer.retryAfter ?? null),
    });
  }
  const retryable = status >= 500 || status === 408;
  const type = nested?.type ?? parsed.type ?? (retryable ? "server_error" : "invalid_request_error");
  return new ProviderError(message, {
    status,
    type,
    code: code ?? (status === 404 ? "model_not_found" : undefined),
    param: nested?.param ?? undefined,
    retryable,
  });
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
