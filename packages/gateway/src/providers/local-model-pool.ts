import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from "node-llama-cpp";
import type { GgufFile } from "./gguf-discovery.ts";
import { ProviderError } from "./provider-error.ts";

export interface LocalModelPoolOptions {
  /** Soft cap on loaded model bytes (file sizes); idle models are evicted least recently used first. */
  memoryBudgetBytes: number;
  /** A model with no request for this long is unloaded. */
  idleUnloadMs: number;
  /** Parallel sequences in each loaded model's context. */
  sequencesPerModel: number;
  /** CPU threads per context. */
  threads: number;
  /** Tokens per sequence; defaults to the model's training size, at most 4096. */
  contextSize?: number;
}

/** A sequence lent to one request; `release()` must be called exactly once. */
export interface SequenceLease {
  llama: Llama;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  chatWrapper: ChatWrapper;
  release(): void;
}

interface Waiter {
  resolve(sequence: LlamaContextSequence): void;
  reject(error: unknown): void;
}

interface LoadedModel {
  file: GgufFile;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  freeSequences: LlamaContextSequence[];
  waiters: Waiter[];
  /** Leases out plus callers between lookup and lease; a pinned model is never evicted. */
  pins: number;
  lastUsed: number;
  idleTimer?: NodeJS.Timeout;
  embeddingContext?: Promise<LlamaEmbeddingContext>;
  embeddingQueue: Promise<unknown>;
}

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("The operation was aborted", "AbortError");

/** Waits for `promise` unless `signal` aborts first; the work itself goes on (a load is shared). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Loads GGUF models on demand with one shared CPU llama, keeps them in an LRU bounded by a memory
 * budget, unloads idle ones, and lends each model's context sequences to requests in FIFO order.
 */
export class LocalModelPool {
  private llamaPromise?: Promise<Llama>;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  private closed = false;
  /** Bytes of models being read now, counted against the budget before they are in `loaded`. */
  private loadingBytes = 0;

  constructor(private readonly options: LocalModelPoolOptions) {}

  /** Ids of models loaded now, least recently used first. */
  loadedModelIds(): string[] {
    return [...this.loaded.values()].sort((a, b) => a.lastUsed - b.lastUsed).map((entry) => entry.file.id);
  }

  /** The shared llama, created on first use. */
  getLlama(): Promise<Llama> {
    this.llamaPromise ??= import("node-llama-cpp")
      .then(({ getLlama, LlamaLogLevel }) =>
        getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error }),
      )
      .catch((error: unknown) => {
        this.llamaPromise = undefined; // a later request tries again
        throw new ProviderError(`node-llama-cpp could not start: ${(error as Error).message ?? error}`, {
          status: 500,
          type: "server_error",
          retryable: true,
          cause: error,
        });
      });
    return this.llamaPromise;
  }

  /** Waits (FIFO, abortable) for a free sequence of the file's model, loading it if needed. */
  async acquireSequence(file: GgufFile, signal: AbortSignal): Promise<SequenceLease> {
    const entry = await this.pin(file, signal);
    let sequence: LlamaContextSequence;
    try {
      sequence = await this.takeSequence(entry, signal);
    } catch (error) {
      this.unpin(entry);
      throw error;
    }
    let released = false;
    return {
      llama: await this.getLlama(),
      model: entry.model,
      sequence,
      chatWrapper: entry.chatWrapper,
      release: () => {
        if (released) return;
        released = true;
        this.giveBackSequence(entry, sequence);
        this.unpin(entry);
      },
    };
  }

  /** Runs `task` with the model's embedding context, one task per model at a time. */
  async withEmbeddingContext<T>(
    file: GgufFile,
    signal: AbortSignal,
    task: (context: LlamaEmbeddingContext, model: LlamaModel) => Promise<T>,
  ): Promise<T> {
    const entry = await this.pin(file, signal);
    try {
      entry.embeddingContext ??= entry.model.createEmbeddingContext({
        threads: this.options.threads,
        contextSize: this.contextSizeFor(entry.model),
      });
      const context = await entry.embeddingContext;
      const run = entry.embeddingQueue.then(() => {
        signal.throwIfAborted();
        return task(context, entry.model);
      });
      entry.embeddingQueue = run.catch(() => undefined);
      return await run;
    } finally {
      this.unpin(entry);
    }
  }

  /**
   * Runs `task` with the file's model loaded (tokenizing needs no context or sequence) and the
   * context size its embedding context has, or will have.
   */
  async withModel<T>(
    file: GgufFile,
    signal: AbortSignal,
    task: (model: LlamaModel, embeddingContextSize: number) => T | Promise<T>,
  ): Promise<T> {
    const entry = await this.pin(file, signal);
    try {
      return await task(entry.model, this.contextSizeFor(entry.model));
    } finally {
      this.unpin(entry);
    }
  }

  /** Disposes every context, model and the llama; waiting requests are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.loading.values());
    await Promise.allSettled([...this.loaded.values()].map((entry) => this.unload(entry)));
    const llama = this.llamaPromise;
    this.llamaPromise = undefined;
    if (llama) await (await llama.catch(() => undefined))?.dispose();
  }

  private async pin(file: GgufFile, signal: AbortSignal): Promise<LoadedModel> {
    signal.throwIfAborted();
    if (this.closed) throw new ProviderError("The local provider is closed", closedErrorOptions);
    let entry = this.loaded.get(file.path);
    if (entry && (entry.file.mtimeMs !== file.mtimeMs || entry.file.sizeBytes !== file.sizeBytes)) {
      // The file changed on disk: serve the new version once the old one is idle.
      if (entry.pins === 0) await this.unload(entry);
      entry = undefined;
    }
    if (!entry) {
      let load = this.loading.get(file.path);
      if (!load) {
        load = this.load(file).finally(() => this.loading.delete(file.path));
        this.loading.set(file.path, load);
      }
      entry = await untilAborted(load, signal);
    }
    entry.pins += 1;
    entry.lastUsed = performance.now();
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    return entry;
  }

  private unpin(entry: LoadedModel): void {
    entry.pins -= 1;
    entry.lastUsed = performance.now();
    if (entry.pins > 0) return;
    if (this.loaded.get(entry.file.path) !== entry) {
      // Replaced by a newer version of its file: the last user frees the old one.
      void this.unload(entry);
      return;
    }
    entry.idleTimer = setTimeout(() => {
      if (entry.pins === 0) void this.unload(entry);
    }, this.options.idleUnloadMs);
    entry.idleTimer.unref();
  }

  private takeSequence(entry: LoadedModel, signal: AbortSignal): Promise<LlamaContextSequence> {
    const free = entry.waiters.length === 0 ? entry.freeSequences.pop() : undefined;
    if (free) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = entry.waiters.indexOf(waiter);
        if (index >= 0) entry.waiters.splice(index, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        resolve: (sequence) => {
          signal.removeEventListener("abort", onAbort);
          resolve(sequence);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      entry.waiters.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private giveBackSequence(entry: LoadedModel, sequence: LlamaContextSequence): void {
    const next = entry.waiters.shift();
    if (next) next.resolve(sequence);
    else entry.freeSequences.push(sequence);
  }

  private contextSizeFor(model: LlamaModel): number {
    return this.options.contextSize ?? Math.min(model.trainContextSize, 4096);
  }

  private async load(file: GgufFile): Promise<LoadedModel> {
    const llama = await this.getLlama();
    await this.makeRoomFor(file.sizeBytes);
    let model: LlamaModel;
    this.loadingBytes += file.sizeBytes;
    try {
      model = await llama.loadModel({ modelPath: file.path });
    } catch (error) {
      this.loadingBytes -= file.sizeBytes;
      throw new ProviderError(
        `The local model '${file.id}' could not be loaded from ${file.path}: ${(error as Error).message ?? error}`,
        { status: 500, type: "server_error", retryable: true, cause: error },
      );
    }
    this.loadingBytes -= file.sizeBytes;
    try {
      const context = await model.createContext({
        threads: this.options.threads,
        sequences: this.options.sequencesPerModel,
        contextSize: this.contextSizeFor(model),
      });
      const freeSequences = Array.from({ length: this.options.sequencesPerModel }, () =>
        context.getSequence(),
      );
      const entry: LoadedModel = {
        file,
        model,
        context,
        chatWrapper: await chatWrapperFor(model),
        freeSequences,
        waiters: [],
        pins: 0,
        lastUsed: performance.now(),
        embeddingQueue: Promise.resolve(),
      };
      if (this.closed) {
        await this.unload(entry);
        throw new ProviderError("The local provider is closed", closedErrorOptions);
      }
      this.loaded.set(file.path, entry);
      return entry;
    } catch (error) {
      if (!model.disposed) await model.dispose();
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(
        `The local model '${file.id}' could not start: ${(error as Error).message ?? error}`,
        {
          status: 500,
          type: "server_error",
          retryable: true,
          cause: error,
        },
      );
    }
  }

  /** Evicts idle models, least recently used first, until `bytes` more fit the budget. */
  private async makeRoomFor(bytes: number): Promise<void> {
    const byAge = [...this.loaded.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    let used = byAge.reduce((sum, entry) => sum + entry.file.sizeBytes, this.loadingBytes);
    for (const entry of byAge) {
      if (used + bytes <= this.options.memoryBudgetBytes) break;
      if (entry.pins > 0) continue;
      used -= entry.file.sizeBytes;
      await this.unload(entry);
    }
    // A budget busy models still exceed is soft: the model loads anyway rather than failing.
  }

  private async unload(entry: LoadedModel): Promise<void> {
    if (this.loaded.get(entry.file.path) === entry) this.loaded.delete(entry.file.path);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    for (const waiter of entry.waiters.splice(0)) {
      waiter.reject(new ProviderError("The local model was unloaded", closedErrorOptions));
    }
    const embedding = await entry.embeddingContext?.catch(() => undefined);
    await embedding?.dispose();
    if (!entry.context.disposed) await entry.context.dispose();
    if (!entry.model.disposed) await entry.model.dispose();
  }
}

const closedErrorOptions = { status: 503, type: "server_error", retryable: true } as const;

async function chatWrapperFor(model: LlamaModel): Promise<ChatWrapper> {
  const { GeneralChatWrapper, resolveChatWrapper } = await import("node-llama-cpp");
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  // Without a template in the file, name-based guesses can pick a format the model never saw.
  if (typeof template !== "string" || template.length === 0) return new GeneralChatWrapper();
  return resolveChatWrapper(model);
}
