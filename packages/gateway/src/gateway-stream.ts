import type { ResponseCache } from "./cache/response-cache.ts";
import {
  createStreamAccumulator,
  replayAsStream,
  type StreamAccumulator,
} from "./cache/stream-accumulator.ts";
import { CallMeter, type GatewayCallRecord, type TokenCounts, tokensOf } from "./call-meter.ts";
import type { Admission } from "./limits/limiter.ts";
import { estimatePromptTokens } from "./limits/token-estimate.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "./protocol/openai-chat.ts";
import {
  PassThroughChunk,
  type PassThroughChunkSource,
  passThroughSourceOf,
} from "./protocol/pass-through-chunk.ts";
import type { RequestContext } from "./request-context.ts";
import type { Alias, CachePolicy } from "./routing/gateway-config.ts";
import type { WorkspaceRouting } from "./workspace-routing.ts";

/** The parts of the gateway a streamed call goes through. */
export interface StreamPipeline {
  routing: WorkspaceRouting;
  admit(request: ChatCompletionRequest, context: RequestContext): Promise<Admission | undefined>;
  cachePolicy(alias: Alias, context: RequestContext): { policy: CachePolicy; lookup: boolean } | undefined;
  cache?: ResponseCache;
  onCall?(record: GatewayCallRecord): void;
}

/**
 * A streamed chat call: resolve, admit, cache, route, account. Streams ask the upstream for usage
 * whether or not the client did, so every stream is accounted; the usage chunk reaches the client
 * only when it asked for it. Failures before the first chunk surface on the first `next()`.
 */
export function streamChat(
  pipeline: StreamPipeline,
  request: ChatCompletionRequest,
  context: RequestContext,
): AsyncIterableIterator<ChatCompletionChunk> & PassThroughChunkSource {
  return new ChatStream(pipeline, request, context);
}

type Chunk = ChatCompletionChunk | PassThroughChunk;

const endOfStream: IteratorResult<never> = { done: true, value: undefined };

/**
 * The call's state between chunks. It runs once per chunk of every stream, so after the setup a
 * `next()` is the upstream's `next()` plus one `then`, with no generator between.
 */
class ChatStream implements AsyncIterableIterator<ChatCompletionChunk>, PassThroughChunkSource {
  private readonly meter: CallMeter;
  private readonly clientWantsUsage: boolean;
  private started = false;
  private admission: Admission | undefined;
  private tokens: TokenCounts = { promptTokens: 0, completionTokens: 0 };
  private completionChars = 0;
  /** Where chunks come from once set up: the router's stream, or a cached answer replayed. */
  private source: AsyncIterator<ChatCompletionChunk> | undefined;
  /** The source's pass-through lane, used while the consumer reads through `nextPassThrough()`. */
  private passThroughSource: PassThroughChunkSource | undefined;
  private passingThrough = false;
  private replaying = false;
  private collected: StreamAccumulator | undefined;
  private caching: { policy: CachePolicy; lookup: boolean } | undefined;
  /** Accounted and reported: the call is over. */
  private ended = false;
  // Callbacks are methods bound per instance, not arrow fields: tsx compiles with keepNames, which
  // costs an arrow field a __name (defineProperty) call per instance, per request.
  private readonly onChunk = this.handleChunk.bind(this);
  private handleChunk(result: IteratorResult<Chunk>): IteratorResult<Chunk> | Promise<IteratorResult<Chunk>> {
    if (this.ended) return endOfStream;
    try {
      if (result.done) {
        this.completed();
        return endOfStream;
      }
      if (this.replaying) return result;
      const chunk = result.value;
      if (chunk instanceof PassThroughChunk) {
        // A plain content chunk (never one with usage): its facts came with it.
        this.completionChars += chunk.contentChars;
        this.collected?.add(chunk.value());
        return result;
      }
      const { usage, choices } = chunk;
      if (usage)
        this.tokens = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
      for (let index = 0; index < choices.length; index++) {
        this.completionChars += choices[index]?.delta?.content?.length ?? 0;
      }
      this.collected?.add(chunk);
      // The usage chunk the client did not ask for: accounted, not sent.
      if (choices.length === 0 && usage && !this.clientWantsUsage) return this.pull();
      return result;
    } catch (error) {
      return this.onError(error);
    }
  }
  private readonly onError = this.handleError.bind(this);
  private handleError(error: unknown): never {
    if (!this.ended) {
      this.meter.failed(error);
      this.end(false);
    }
    throw error;
  }

  constructor(
    private readonly pipeline: StreamPipeline,
    private readonly request: ChatCompletionRequest,
    private readonly context: RequestContext,
  ) {
    this.meter = new CallMeter(context, "chat", true, pipeline.onCall);
    this.clientWantsUsage = request.stream_options?.include_usage === true;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.read(false) as Promise<IteratorResult<ChatCompletionChunk>>;
  }

  nextPassThrough(): Promise<IteratorResult<Chunk>> {
    return this.read(true);
  }

  private read(passThrough: boolean): Promise<IteratorResult<Chunk>> {
    this.passingThrough = passThrough;
    if (this.ended) return Promise.resolve(endOfStream);
    if (!this.started) {
      this.started = true;
      return this.setUp().then(() => this.pull(), this.onError);
    }
    return this.pull();
  }

  /** The consumer stops early: the upstream is cancelled and the call is accounted as abandoned. */
  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.ended) return endOfStream;
    const source = this.source;
    this.source = undefined;
    try {
      await source?.return?.();
    } finally {
      this.end(false);
    }
    return endOfStream;
  }

  private pull(): Promise<IteratorResult<Chunk>> {
    if (this.ended || !this.source) return Promise.resolve(endOfStream);
    const read =
      this.passingThrough && this.passThroughSource
        ? this.passThroughSource.nextPassThrough()
        : this.source.next();
    return read.then(this.onChunk, this.onError);
  }

  private async setUp(): Promise<void> {
    const { pipeline, request, context, meter } = this;
    const { cache } = pipeline;
    const { alias, routes } = await pipeline.routing.resolve(context.workspaceId, request.model);
    meter.note({ alias: alias.name });
    this.admission = await pipeline.admit(request, context);
    const caching = pipeline.cachePolicy(alias, context);
    if (caching && cache) {
      meter.note({ cache: "miss" });
      const hit = caching.lookup ? await cache.lookup(context, request, caching.policy) : undefined;
      if (hit) {
        this.tokens = tokensOf(hit.completion);
        meter.note({ cache: hit.kind, ttftMs: meter.elapsedMs });
        this.replaying = true;
        this.source = replayAsStream(hit.completion, request);
        return;
      }
    }
    const routed = await routes.router.stream(
      alias,
      { ...request, stream: true, stream_options: { ...request.stream_options, include_usage: true } },
      context,
    );
    meter.note({ deployment: routed.deployment, attempts: routed.attempts, ttftMs: routed.firstTokenMs });
    this.caching = caching;
    this.collected = caching ? createStreamAccumulator() : undefined;
    this.source = routed.chunks;
    this.passThroughSource = passThroughSourceOf(routed.chunks);
  }

  /**
   * The stream ended well. Its bookkeeping (cache entry, admission, usage report) waits for the
   * end of this tick: the consumer's last write happens in this tick's microtasks, so the client
   * gets the end of the stream first and the call's duration includes it.
   */
  private completed(): void {
    this.ended = true;
    process.nextTick(this.settleCompleted);
  }

  private readonly settleCompleted = this.finishCompleted.bind(this);
  private finishCompleted() {
    const { pipeline, context, request, caching, collected } = this;
    if (caching && pipeline.cache && collected?.finished) {
      void pipeline.cache.store(context, request, caching.policy, collected.completion());
    }
    this.account(true);
  }

  /** The call ends otherwise (failed, or the consumer stopped): accounted at once. */
  private end(completed: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.account(completed);
  }

  /** Settles the admission and reports the call: succeeded, else abandoned (unless reported failed). */
  private account(completed: boolean): void {
    const { admission, meter, completionChars } = this;
    if (this.tokens.completionTokens === 0 && completionChars > 0) {
      // The upstream ignored include_usage, or the stream was cut short: what was generated was spent.
      this.tokens = {
        promptTokens: estimatePromptTokens(this.request),
        completionTokens: Math.ceil(completionChars / 4),
      };
    }
    if (completed || completionChars > 0) admission?.settle(this.tokens);
    else admission?.cancel();
    meter.note(this.tokens);
    // A meter reports once: after `failed`, `abandoned` is a no-op.
    if (completed) meter.succeeded();
    else meter.abandoned();
  }
}
