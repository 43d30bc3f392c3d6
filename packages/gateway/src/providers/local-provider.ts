import { randomUUID } from "node:crypto";
import os from "node:os";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from "../protocol/openai-chat.ts";
import type { RerankRequest, RerankResponse } from "../protocol/rerank.ts";
import type { ProviderTokenCounts, TokenizeRequest } from "../protocol/tokenize.ts";
import { rerankByEmbeddings } from "../rerank-by-embeddings.ts";
import {
  type GgufFile,
  type GgufSummary,
  readGgufSummary,
  scanGgufFiles,
  toProviderModel,
} from "./gguf-discovery.ts";
import { assertLocalChatSupported, runLocalChat } from "./local-chat.ts";
import { embedWithContext } from "./local-embeddings.ts";
import { LocalModelPool } from "./local-model-pool.ts";
import { streamLocalChat } from "./local-stream.ts";
import { countLocalTokens } from "./local-tokenize.ts";
import type { CallOptions, ModelProvider, ProviderModel } from "./model-provider.ts";
import { modelNotFound, ProviderError } from "./provider-error.ts";

export interface LocalProviderOptions {
  /** Provider id, the prefix of its models' public names; default `local`. */
  id?: string;
  /** Directory of `.gguf` files; each file is a model whose id is its name without `.gguf`. */
  modelsDir: string;
  /** Soft cap on the summed file sizes of loaded models. Default: half of system memory. */
  memoryBudgetBytes?: number;
  /** Unload a model after this long without requests. Default: 10 minutes. */
  idleUnloadMs?: number;
  /** Requests one loaded model serves in parallel; more wait in a FIFO. Default: 4. */
  sequencesPerModel?: number;
  /** CPU threads per context. Default: the available cores, at most 8 (use 1 for tiny models). */
  threads?: number;
  /** Context size in tokens of each sequence. Default: the model's own, at most 4096. */
  contextSize?: number;
}

/** The local provider plus what tests and operators may inspect. */
export interface LocalProvider extends ModelProvider {
  readonly kind: "local";
  /** Ids of the models loaded now, least recently used first. */
  loadedModels(): string[];
  doEmbed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResponse>;
  /** Ranks by cosine similarity of the model's embeddings of the query and each document. */
  doRerank(request: RerankRequest, options: CallOptions): Promise<RerankResponse>;
  /** The GGUF's own tokenizer (the model is loaded through the pool if it is not yet). */
  doTokenize(request: TokenizeRequest, options: CallOptions): Promise<ProviderTokenCounts>;
  close(): Promise<void>;
}

/**
 * Runs GGUF models in process with node-llama-cpp on the CPU. Nothing is loaded until the first
 * request; models are rediscovered on every `listModels()`.
 *
 * @example
 * const local = createLocalProvider({ modelsDir: "/var/lib/nexus/models", sequencesPerModel: 2 });
 * const reply = await local.doGenerate(
 *   { model: "qwen2.5-0.5b", messages: [{ role: "user", content: "Hi" }] },
 *   { model: "qwen2.5-0.5b", signal: AbortSignal.timeout(60_000) },
 * );
 */
export function createLocalProvider(options: LocalProviderOptions): LocalProvider {
  const pool = new LocalModelPool({
    memoryBudgetBytes: options.memoryBudgetBytes ?? os.totalmem() / 2,
    idleUnloadMs: options.idleUnloadMs ?? 10 * 60_000,
    sequencesPerModel: options.sequencesPerModel ?? 4,
    threads: options.threads ?? Math.max(1, Math.min(8, os.availableParallelism())),
    contextSize: options.contextSize,
  });
  const summaries = new Map<string, { key: string; summary: Promise<GgufSummary> }>();

  const summaryOf = (file: GgufFile): Promise<GgufSummary> => {
    const key = `${file.path}:${file.sizeBytes}:${file.mtimeMs}`;
    const cached = summaries.get(file.id);
    if (cached?.key === key) return cached.summary;
    const summary = readGgufSummary(file);
    summaries.set(file.id, { key, summary });
    return summary;
  };

  /** The file for a model id, rejecting unknown ids and files that are not GGUF. */
  const resolveFile = async (model: string): Promise<GgufFile> => {
    const file = (await scanGgufFiles(options.modelsDir)).get(model);
    if (!file) throw modelNotFound(model);
    if (!(await summaryOf(file)).valid) {
      throw new ProviderError(`The local model file for '${model}' is not a valid GGUF file (${file.path})`, {
        status: 500,
        type: "server_error",
        retryable: true,
      });
    }
    return file;
  };

  const generate = async (request: ChatCompletionRequest, callOptions: CallOptions) => {
    assertLocalChatSupported(request);
    const file = await resolveFile(callOptions.model);
    const lease = await pool.acquireSequence(file, callOptions.signal);
    try {
      return await runLocalChat(request, lease, callOptions.signal);
    } finally {
      lease.release();
    }
  };

  const embed = async (request: EmbeddingRequest, callOptions: CallOptions): Promise<EmbeddingResponse> => {
    const file = await resolveFile(callOptions.model);
    return pool.withEmbeddingContext(file, callOptions.signal, (context, model) =>
      embedWithContext(request, callOptions.model, context, model, callOptions.signal),
    );
  };

  return {
    id: options.id ?? "local",
    kind: "local",

    async listModels(): Promise<ProviderModel[]> {
      const found = await scanGgufFiles(options.modelsDir);
      for (const id of summaries.keys()) if (!found.has(id)) summaries.delete(id);
      const files = [...found.values()];
      const models = await Promise.all(
        files.map(async (file) => {
          const summary = await summaryOf(file);
          return summary.valid ? toProviderModel(file, summary) : undefined;
        }),
      );
      return models.filter((model) => model !== undefined).sort((a, b) => a.id.localeCompare(b.id));
    },

    async doGenerate(request, callOptions): Promise<ChatCompletion> {
      const result = await generate(request, callOptions);
      return {
        id: `chatcmpl-${randomUUID()}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: callOptions.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: result.toolCalls && result.text === "" ? null : result.text,
              ...(result.toolCalls ? { tool_calls: result.toolCalls } : {}),
            },
            finish_reason: result.finishReason,
          },
        ],
        usage: {
          prompt_tokens: result.promptTokens,
          completion_tokens: result.completionTokens,
          total_tokens: result.promptTokens + result.completionTokens,
        },
      };
    },

    doStream(request, callOptions): AsyncIterable<ChatCompletionChunk> {
      return streamLocalChat(request, callOptions, async (signal, hooks) => {
        assertLocalChatSupported(request);
        const file = await resolveFile(callOptions.model);
        const lease = await pool.acquireSequence(file, signal);
        try {
          return await runLocalChat(request, lease, signal, hooks);
        } finally {
          lease.release();
        }
      });
    },

    doEmbed: embed,

    async doRerank(request: RerankRequest, callOptions: CallOptions): Promise<RerankResponse> {
      const ranked = await rerankByEmbeddings((texts) => embed(texts, callOptions), request);
      return { ...ranked, model: callOptions.model };
    },

    async doTokenize(request, callOptions) {
      const file = await resolveFile(callOptions.model);
      return pool.withModel(file, callOptions.signal, (model, contextSize) =>
        countLocalTokens(model, request.input, contextSize),
      );
    },

    loadedModels: () => pool.loadedModelIds(),

    close: () => pool.close(),
  };
}
