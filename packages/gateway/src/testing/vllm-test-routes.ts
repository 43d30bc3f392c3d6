import { existsSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { sendJson } from "./test-http.ts";

/**
 * vLLM's extras for the OpenAI test double (openai-test-server.ts), speaking vLLM's wire format:
 * runtime LoRA adapters (`POST /v1/load_lora_adapter`, `POST /v1/unload_lora_adapter`, adapters
 * listed in `/v1/models` with `root` = their path and `parent` = the base model), Prometheus
 * `/metrics` at the server root, reranking (`/rerank`, `/v1/rerank`, `/v2/rerank`) and the
 * tokenizer (`POST /tokenize` at the server root; see `testTokenize` for how it counts).
 */
export interface VllmTestState {
  /** LoRA adapters loaded at runtime: name → path. A path that does not exist on disk fails to load. */
  adapters: Map<string, string>;
  /** Requests vLLM's scheduler holds back, as `/metrics` reports them. */
  waiting: number;
  /** Share of the KV cache in use, 0 to 1, as `/metrics` reports it. */
  kvCacheUsage: number;
  /** vLLM's v1 engine names it `kv_cache_usage_perc`; older versions `gpu_cache_usage_perc`. */
  kvCacheMetric: "kv_cache_usage_perc" | "gpu_cache_usage_perc";
  /** Off: the LoRA routes answer 404, as vLLM does without VLLM_ALLOW_RUNTIME_LORA_UPDATING. */
  runtimeLoraUpdating: boolean;
  /** The context length `/tokenize` reports as `max_model_len`. */
  maxModelLen: number;
}

export function createVllmTestState(initial: Partial<VllmTestState> = {}): VllmTestState {
  return {
    adapters: new Map(),
    waiting: 0,
    kvCacheUsage: 0,
    kvCacheMetric: "kv_cache_usage_perc",
    runtimeLoraUpdating: true,
    maxModelLen: 512,
    ...initial,
  };
}

const created = 1_700_000_000;

/** Model cards for the loaded adapters, as vLLM lists them after its base models. */
export function adapterCards(state: VllmTestState, baseModel: string) {
  return [...state.adapters].map(([name, path]) => ({
    id: name,
    object: "model",
    created,
    owned_by: "vllm",
    root: path,
    parent: baseModel,
    max_model_len: null,
  }));
}

export function isRerankPath(method: string, path: string): boolean {
  return method === "POST" && (path === "/rerank" || path === "/v1/rerank" || path === "/v2/rerank");
}

/**
 * Answers the LoRA, metrics and tokenizer routes; false for any other route. `running` is the number of chat
 * requests in flight now.
 */
export function handleVllmAdminRoute(
  state: VllmTestState,
  request: { method: string; path: string; body: unknown },
  response: ServerResponse,
  running: () => number,
): boolean {
  const { method, path } = request;
  if (method === "POST" && path === "/tokenize") return tokenizeRoute(state, request.body, response);
  if (method === "GET" && path === "/metrics") {
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    response.end(metricsText(state, running()));
    return true;
  }
  const isLoad = method === "POST" && path === "/v1/load_lora_adapter";
  const isUnload = method === "POST" && path === "/v1/unload_lora_adapter";
  if (!isLoad && !isUnload) return false;
  if (!state.runtimeLoraUpdating) {
    // FastAPI's answer for a route that was never registered.
    sendJson(response, 404, { detail: "Not Found" });
    return true;
  }
  const body = (request.body ?? {}) as { lora_name?: unknown; lora_path?: unknown };
  const name = typeof body.lora_name === "string" ? body.lora_name : "";
  if (isLoad) {
    const path = typeof body.lora_path === "string" ? body.lora_path : "";
    if (!name || !path) return vllmError(response, 400, "Both 'lora_name' and 'lora_path' must be provided.");
    if (state.adapters.has(name)) {
      return vllmError(response, 400, `The lora adapter '${name}' has already been loaded.`);
    }
    if (!existsSync(path)) {
      return vllmError(response, 404, `Loading lora ${name} failed: No adapter found for ${path}`);
    }
    state.adapters.set(name, path);
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    response.end(`Success: LoRA adapter '${name}' added successfully.`);
    return true;
  }
  if (!name) return vllmError(response, 400, "either 'lora_name' and 'lora_int_id' needs to be provided.");
  if (!state.adapters.delete(name)) {
    return vllmError(response, 404, `The lora adapter '${name}' cannot be found.`);
  }
  response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  response.end(`Success: LoRA adapter '${name}' removed successfully.`);
  return true;
}

function metricsText(state: VllmTestState, running: number): string {
  const labels = `{engine="0",model_name="test-chat"}`;
  const gauge = (name: string, help: string, value: number) =>
    `# HELP vllm:${name} ${help}\n# TYPE vllm:${name} gauge\nvllm:${name}${labels} ${value.toFixed(1)}\n`;
  return [
    "# HELP python_gc_objects_collected_total Objects collected during gc",
    "# TYPE python_gc_objects_collected_total counter",
    'python_gc_objects_collected_total{generation="0"} 12831.0',
    gauge("num_requests_running", "Number of requests in model execution batches.", running),
    gauge("num_requests_waiting", "Number of requests waiting to be processed.", state.waiting),
    `# HELP vllm:${state.kvCacheMetric} KV-Cache usage. 1 means 100 percent usage.`,
    `# TYPE vllm:${state.kvCacheMetric} gauge`,
    `vllm:${state.kvCacheMetric}${labels} ${state.kvCacheUsage}`,
    "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
    "# TYPE vllm:prompt_tokens_total counter",
    `vllm:prompt_tokens_total${labels} 4096.0`,
    "",
  ].join("\n");
}

/**
 * vLLM's rerank answer with a deterministic score: the share of the query's words found in the
 * document (case-insensitive), so tests can predict the order. Documents always come back, as
 * vLLM sends them.
 */
export function rerankAnswer(body: Record<string, unknown>, model: string, id: string) {
  const query = typeof body.query === "string" ? body.query : "";
  const documents = Array.isArray(body.documents) ? body.documents : [];
  const texts = documents.map((document) =>
    typeof document === "string" ? document : String((document as { text?: unknown })?.text ?? ""),
  );
  const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const queryWords = new Set(words(query));
  const results = texts
    .map((text, index) => {
      const found = new Set(words(text).filter((word) => queryWords.has(word)));
      return { index, document: { text }, relevance_score: found.size / Math.max(1, queryWords.size) };
    })
    .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const topN = typeof body.top_n === "number" && body.top_n > 0 ? body.top_n : results.length;
  const tokens = words(query).length + texts.reduce((sum, text) => sum + words(text).length, 0);
  return {
    id: `rerank-${id}`,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
    results: results.slice(0, topN),
  };
}

/**
 * The double's tokenizer: one token per run of up to three letters, per digit and per other
 * non-space character, plus BOS (id 1) unless `add_special_tokens` is false. Denser than
 * four characters a token on purpose (English ~1.6 tokens per estimated one), so tests can hold
 * a text the estimate takes for short that the "model" counts as long. Ids are stable hashes.
 */
export function testTokenize(text: string, addSpecialTokens = true): number[] {
  const pieces = text.match(/\p{L}{1,3}|\p{N}|[^\p{L}\p{N}\s]/gu) ?? [];
  const ids = pieces.map((piece) => {
    let hash = 7;
    for (const character of piece) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) % 31_997;
    return 3 + hash;
  });
  return addSpecialTokens ? [1, ...ids] : ids;
}

/** vLLM's `POST /tokenize` (completion form): `{model, prompt, add_special_tokens}` → `{count, max_model_len, tokens}`. */
function tokenizeRoute(state: VllmTestState, body: unknown, response: ServerResponse): true {
  const request = (body ?? {}) as { prompt?: unknown; add_special_tokens?: unknown };
  if (typeof request.prompt !== "string") {
    return vllmError(response, 400, "1 validation error: prompt: Field required");
  }
  const tokens = testTokenize(request.prompt, request.add_special_tokens !== false);
  sendJson(response, 200, {
    count: tokens.length,
    max_model_len: state.maxModelLen,
    tokens,
    token_strs: null,
  });
  return true;
}

/** vLLM's error body (ErrorResponse since 0.10: nested, with the HTTP status as a number code). */
function vllmError(response: ServerResponse, status: number, message: string): true {
  const type = status === 404 ? "NotFoundError" : "BadRequestError";
  sendJson(response, status, { error: { message, type, param: null, code: status } });
  return true;
}
