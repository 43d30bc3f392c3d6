import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "../protocol/openai-chat.ts";
import type { RerankRequest, RerankResponse } from "../protocol/rerank.ts";
import type { ProviderTokenCounts, TokenizeRequest } from "../protocol/tokenize.ts";
import type { RouteTimeouts } from "../routing/gateway-config.ts";

/** A model an upstream offers, as the provider names it. */
export interface ProviderModel {
  /** The upstream's own model id (sent upstream as `model`). */
  id: string;
  /** What the model can do; chat unless said otherwise. */
  capabilities: Array<"chat" | "embeddings" | "vision" | "tools">;
  /** Context window in tokens, when known. */
  contextLength?: number;
}

export interface CallOptions {
  /** The upstream model id to call; replaces `request.model`, which holds the client's name. */
  model: string;
  /** Aborted when the client goes away or a timeout fires; the provider must stop the upstream work. */
  signal: AbortSignal;
  /**
   * This call's timeouts (from the alias), overriding the provider's defaults. A provider that
   * cannot tell connecting from waiting for the first token folds `connectMs` into the first-token wait.
   */
  timeouts?: RouteTimeouts;
}

/**
 * One upstream of models. Implementations: local GGUF (node-llama-cpp), OpenAI-compatible
 * (vLLM, Ollama, Jan, LM Studio, OpenAI), Anthropic. Requests and responses are in OpenAI's Chat
 * Completions format (see protocol/openai-chat.ts); a provider translates only if its upstream
 * speaks something else.
 *
 * Errors: throw a ProviderError (provider-error.ts) with the HTTP status the client should see
 * and whether another deployment may be tried (`retryable`).
 */
export interface ModelProvider {
  /** Stable id of this provider instance, e.g. `local`, `vllm-a`, `ollama`. */
  readonly id: string;
  readonly kind: "local" | "openai-compatible" | "anthropic";
  /** Models this provider offers now. */
  listModels(signal?: AbortSignal): Promise<ProviderModel[]>;
  /** A whole completion. */
  doGenerate(request: ChatCompletionRequest, options: CallOptions): Promise<ChatCompletion>;
  /**
   * A completion as OpenAI chunks, in order. Includes a final chunk with `usage` when the request
   * asks for it (`stream_options.include_usage`). Must end promptly once `options.signal` aborts.
   */
  doStream(request: ChatCompletionRequest, options: CallOptions): AsyncIterable<ChatCompletionChunk>;
  /** Embeddings; absent when the provider has no embedding models. */
  doEmbed?(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResponse>;
  /**
   * Documents scored against a query, best first (Cohere/Jina/vLLM shape); absent when the
   * provider cannot rerank. A provider whose upstream turns out to have no rerank endpoint throws
   * ProviderError 400 with code `rerank_not_supported` (the gateway may then rank by embeddings).
   */
  doRerank?(request: RerankRequest, options: CallOptions): Promise<RerankResponse>;
  /**
   * Tokens of each input by the model's own tokenizer, counted as the model sees the text alone
   * (special tokens it adds included); absent when the provider has no tokenizer to ask. A
   * provider whose upstream turns out to have none throws ProviderError 400 with code
   * `tokenize_not_supported` (the gateway then estimates).
   */
  doTokenize?(request: TokenizeRequest, options: CallOptions): Promise<ProviderTokenCounts>;
  /** Releases connections, loaded models and timers. */
  close?(): Promise<void>;
}
