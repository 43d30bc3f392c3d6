import type { ChatCompletion } from "./protocol/openai-chat.ts";
import { ProviderError } from "./providers/provider-error.ts";
import type { RequestContext } from "./request-context.ts";
import type { Deployment } from "./routing/gateway-config.ts";

/** One finished gateway call, for usage rows and metrics. */
export interface GatewayCallRecord {
  context: RequestContext;
  endpoint: "chat" | "embeddings" | "rerank";
  /** The alias or model name it resolved to; `(unresolved)` when it did not (never the client's raw text). */
  alias: string;
  deployment?: Deployment;
  stream: boolean;
  cache: "none" | "miss" | "exact" | "semantic";
  /** HTTP status the client saw (200, or the error's; 499 when the client went away). */
  status: number;
  errorType?: string;
  promptTokens: number;
  completionTokens: number;
  ttftMs?: number;
  durationMs: number;
  attempts: number;
}

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/**
 * Measures one gateway call and reports it exactly once, whichever way it ends. Reporting never
 * throws: accounting must not fail a request.
 */
export class CallMeter {
  private readonly started = performance.now();
  private readonly record: Omit<GatewayCallRecord, "durationMs" | "status">;
  private reported = false;

  constructor(
    context: RequestContext,
    endpoint: GatewayCallRecord["endpoint"],
    stream: boolean,
    private readonly onCall: ((record: GatewayCallRecord) => void) | undefined,
  ) {
    this.record = {
      context,
      endpoint,
      stream,
      alias: "(unresolved)",
      cache: "none",
      promptTokens: 0,
      completionTokens: 0,
      attempts: 0,
    };
  }

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Fills in what is known so far (alias, deployment, cache outcome, tokens, TTFT). */
  note(
    fields: Partial<Omit<GatewayCallRecord, "context" | "endpoint" | "stream" | "durationMs" | "status">>,
  ): void {
    Object.assign(this.record, fields);
  }

  succeeded(fields: Partial<GatewayCallRecord> = {}): void {
    this.report({ ...fields, status: 200 });
  }

  /** The client went away before the end (or stopped reading). */
  abandoned(): void {
    this.report({ status: 499, errorType: "client_closed" });
  }

  failed(error: unknown): void {
    const outcome =
      error instanceof ProviderError
        ? { status: error.status, errorType: error.options.type }
        : { status: 500, errorType: "internal_error" };
    this.report(outcome);
  }

  private report(fields: Partial<GatewayCallRecord> & { status: number }): void {
    if (this.reported) return;
    this.reported = true;
    try {
      this.onCall?.({ ...this.record, ...fields, durationMs: this.elapsedMs });
    } catch {
      // Accounting must never fail a request.
    }
  }
}

export function tokensOf(completion: ChatCompletion): TokenCounts {
  return {
    promptTokens: completion.usage?.prompt_tokens ?? 0,
    completionTokens: completion.usage?.completion_tokens ?? 0,
  };
}
