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

type NotedFields = Partial<
  Omit<GatewayCallRecord, "context" | "endpoint" | "stream" | "durationMs" | "status" | "errorType">
>;

/**
 * Measures one gateway call and reports it exactly once, whichever way it ends. Reporting never
 * throws: accounting must not fail a request. The call's fields live on the meter and the record
 * is built once, when reported (this runs for every request).
 */
export class CallMeter {
  private readonly started = performance.now();
  private reported = false;
  private alias = "(unresolved)";
  private deployment: Deployment | undefined = undefined;
  private cache: GatewayCallRecord["cache"] = "none";
  private promptTokens = 0;
  private completionTokens = 0;
  private ttftMs: number | undefined = undefined;
  private attempts = 0;

  constructor(
    private readonly context: RequestContext,
    private readonly endpoint: GatewayCallRecord["endpoint"],
    private readonly stream: boolean,
    private readonly onCall: ((record: GatewayCallRecord) => void) | undefined,
  ) {}

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Fills in what is known so far (alias, deployment, cache outcome, tokens, TTFT). */
  note(fields: NotedFields): void {
    if (fields.alias !== undefined) this.alias = fields.alias;
    if (fields.deployment !== undefined) this.deployment = fields.deployment;
    if (fields.cache !== undefined) this.cache = fields.cache;
    if (fields.promptTokens !== undefined) this.promptTokens = fields.promptTokens;
    if (fields.completionTokens !== undefined) this.completionTokens = fields.completionTokens;
    if (fields.ttftMs !== undefined) this.ttftMs = fields.ttftMs;
    if (fields.attempts !== undefined) this.attempts = fields.attempts;
  }

  succeeded(fields?: NotedFields): void {
    if (fields) this.note(fields);
    this.report(200, undefined);
  }

  /** The client went away before the end (or stopped reading). */
  abandoned(): void {
    this.report(499, "client_closed");
  }

  failed(error: unknown): void {
    if (error instanceof ProviderError) this.report(error.status, error.options.type);
    else this.report(500, "internal_error");
  }

  private report(status: number, errorType: string | undefined): void {
    if (this.reported) return;
    this.reported = true;
    if (!this.onCall) return;
    try {
      this.onCall({
        context: this.context,
        endpoint: this.endpoint,
        alias: this.alias,
        deployment: this.deployment,
        stream: this.stream,
        cache: this.cache,
        status,
        errorType,
        promptTokens: this.promptTokens,
        completionTokens: this.completionTokens,
        ttftMs: this.ttftMs,
        durationMs: this.elapsedMs,
        attempts: this.attempts,
      });
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
