import { z } from "zod";
import { parsePrometheusText } from "./prometheus-text.ts";
import { ProviderError } from "./provider-error.ts";
import {
  defaultTimeouts,
  resolveTimeouts,
  startUpstreamCall,
  type UpstreamTimeouts,
  upstreamErrorFrom,
} from "./upstream-call.ts";
import { createUpstreamTransport, readBodyText } from "./upstream-transport.ts";

export interface VllmAdminOptions {
  /** The same base URL as its OpenAI-compatible provider: `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM's `--api-key`). */
  apiKey?: string;
  /** Names the server in error messages; default `vllm`. */
  id?: string;
  /** Loading an adapter reads it from disk into GPU memory: allow a while. Default: 5 s connect, 120 s total. */
  timeouts?: UpstreamTimeouts;
}

/** A LoRA adapter vLLM serves: clients use `name` as the model. */
export interface VllmAdapter {
  name: string;
  /** Where vLLM loaded it from (its model card's `root`). */
  path: string | null;
  /** The base model it adapts (its model card's `parent`). */
  baseModel: string;
}

/** vLLM's load now, from its Prometheus `/metrics` (summed over its engines). */
export interface VllmMetrics {
  /** Requests being generated. */
  running: number;
  /** Requests queued behind them. */
  waiting: number;
  /** Share of the KV cache in use, 0 to 1; null when this vLLM does not report it. */
  kvCacheUsage: number | null;
}

/**
 * vLLM's operations beyond the OpenAI API. Runtime adapter loading needs vLLM started with
 * `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` (and `--enable-lora`); without it the calls fail with
 * code `lora_updating_disabled`.
 */
export interface VllmAdmin {
  /** The LoRA adapters loaded now (static `--lora-modules` and runtime ones). */
  listAdapters(signal?: AbortSignal): Promise<VllmAdapter[]>;
  /** `path` is on the vLLM machine (or a Hugging Face repo id, when vLLM has a resolver for it). */
  loadAdapter(name: string, path: string, signal?: AbortSignal): Promise<void>;
  unloadAdapter(name: string, signal?: AbortSignal): Promise<void>;
  readMetrics(signal?: AbortSignal): Promise<VllmMetrics>;
  close(): Promise<void>;
}

const modelListSchema = z.object({
  data: z.array(z.object({ id: z.string(), root: z.string().nullish(), parent: z.string().nullish() })),
});

/**
 * @example
 * const admin = createVllmAdmin({ baseURL: "http://gpu-1:8000/v1" });
 * await admin.loadAdapter("sql-lora", "/adapters/sql-lora");
 * const { waiting, kvCacheUsage } = await admin.readMetrics();
 */
export function createVllmAdmin(options: VllmAdminOptions): VllmAdmin {
  const id = options.id ?? "vllm";
  const timeouts = resolveTimeouts(
    { ...defaultTimeouts, connectMs: 5_000, totalMs: 120_000 },
    options.timeouts,
  );
  const transport = createUpstreamTransport({
    baseURL: options.baseURL,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    maxConnections: 4,
  });
  // `/metrics` is served at the server root, beside `/v1` rather than under it.
  const metricsPath = `${new URL(options.baseURL).pathname.replace(/\/+$/, "").replace(/\/v1$/, "")}/metrics`;

  /** The text of a 2xx answer; anything else becomes a ProviderError with vLLM's message. */
  async function call(
    path: string,
    request: { body?: unknown; fromRoot?: boolean; signal?: AbortSignal; adapterRoute?: boolean },
  ): Promise<string> {
    const upstream = startUpstreamCall(id, request.signal, timeouts);
    // Admin answers come whole: only the connect and total timeouts apply.
    upstream.firstToken();
    let completed = false;
    try {
      const response = await transport.request({
        path,
        fromRoot: request.fromRoot,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: upstream.signal,
        connectMs: timeouts.connectMs,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const text = await response.body.text();
        completed = true;
        return text;
      }
      const text = await readBodyText(response.body);
      throw request.adapterRoute
        ? adapterError(id, response.statusCode, text)
        : upstreamErrorFrom(id, { status: response.statusCode, text });
    } catch (error) {
      throw upstream.failure(error, false);
    } finally {
      upstream.end(completed);
    }
  }

  return {
    async listAdapters(signal) {
      const text = await call("/models", { signal });
      const listing = modelListSchema.safeParse(parseJson(text));
      if (!listing.success) throw invalidAnswer(id, "a model list");
      return listing.data.data.flatMap((card) =>
        card.parent ? [{ name: card.id, path: card.root ?? null, baseModel: card.parent }] : [],
      );
    },

    async loadAdapter(name, path, signal) {
      await call("/load_lora_adapter", {
        body: { lora_name: name, lora_path: path },
        signal,
        adapterRoute: true,
      });
    },

    async unloadAdapter(name, signal) {
      await call("/unload_lora_adapter", { body: { lora_name: name }, signal, adapterRoute: true });
    },

    async readMetrics(signal) {
      const text = await call(metricsPath, { fromRoot: true, signal }).catch((error: unknown) => {
        if (!(error instanceof ProviderError) || error.status !== 404) throw error;
        throw invalidAnswer(id, `metrics: ${metricsPath} answered 404 (is it vLLM?)`);
      });
      const metrics = parsePrometheusText(text);
      const values = (name: string) => metrics.get(`vllm:${name}`)?.map((sample) => sample.value);
      const running = values("num_requests_running");
      const waiting = values("num_requests_waiting");
      if (!running && !waiting) throw invalidAnswer(id, "vLLM metrics (no vllm:num_requests_running)");
      // vLLM's v1 engine renamed the KV-cache gauge; both are a share from 0 to 1 despite "perc".
      const kvCache = values("kv_cache_usage_perc") ?? values("gpu_cache_usage_perc");
      const sum = (numbers: number[] = []) => numbers.reduce((total, value) => total + value, 0);
      return {
        running: sum(running),
        waiting: sum(waiting),
        kvCacheUsage: kvCache?.length ? sum(kvCache) / kvCache.length : null,
      };
    },

    close: () => transport.close(),
  };
}

/**
 * vLLM answers adapter calls with its ErrorResponse (`{"error":{"message",...}}`, top-level
 * fields before 0.10); a FastAPI `{"detail":"Not Found"}` means the routes do not exist at all.
 */
function adapterError(providerId: string, status: number, text: string): ProviderError {
  const body = parseJson(text) as { detail?: unknown } | undefined;
  if (status === 404 && body?.detail !== undefined) {
    return new ProviderError(
      `vLLM '${providerId}' does not load LoRA adapters at runtime: start it with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`,
      { status: 502, type: "server_error", code: "lora_updating_disabled", retryable: false },
    );
  }
  const mapped = upstreamErrorFrom(providerId, { status, text });
  if (status !== 400 && status !== 404) return mapped;
  return new ProviderError(mapped.message, {
    status,
    type: "invalid_request_error",
    code: status === 404 ? "adapter_not_found" : "adapter_rejected",
    retryable: false,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function invalidAnswer(providerId: string, expected: string): ProviderError {
  return new ProviderError(`vLLM '${providerId}' did not answer with ${expected}`, {
    status: 502,
    type: "server_error",
    code: "upstream_invalid_response",
    retryable: true,
  });
}
