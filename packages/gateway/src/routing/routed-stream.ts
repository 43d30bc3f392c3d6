import type { ChatCompletionChunk } from "../protocol/openai-chat.ts";
import {
  type PassThroughChunk,
  type PassThroughChunkSource,
  passThroughSourceOf,
} from "../protocol/pass-through-chunk.ts";
import type { ProviderError } from "../providers/provider-error.ts";
import type { Alias } from "./gateway-config.ts";
import { type HeldAttempt, settleFailure } from "./route-attempts.ts";
import type { RequestScope } from "./route-scope.ts";

interface RoutedChunksOptions {
  first: ChatCompletionChunk;
  upstream: AsyncIterator<ChatCompletionChunk>;
  held: HeldAttempt;
  scope: RequestScope;
  alias: Alias;
  now: () => number;
  /** Time from the attempt's start to the first chunk. */
  ttftMs: number;
}

/**
 * The chunks of a stream whose first chunk has arrived: that chunk first, then the rest from the
 * upstream. It owns the attempt's holds (the health record, the concurrency slot, the timers)
 * and gives them back exactly once: at the end, on an error (recorded against the deployment),
 * when the consumer stops early (`return()`, which cancels the upstream), or when the request
 * aborts while nobody is reading.
 */
export function routedChunks(
  options: RoutedChunksOptions,
): AsyncIterableIterator<ChatCompletionChunk> & PassThroughChunkSource {
  return new RoutedChunks(options);
}

type Chunk = ChatCompletionChunk | PassThroughChunk;

const finishedResult: IteratorResult<never> = { done: true, value: undefined };

/**
 * This runs once per chunk of every stream, so it keeps to one promise per `next()`: the request's
 * abort is watched by one listener for the whole stream (after the first chunk only the request
 * can abort the attempt), which also settles a `next()` still waiting on an upstream slow to notice.
 */
class RoutedChunks implements AsyncIterableIterator<ChatCompletionChunk>, PassThroughChunkSource {
  private first: ChatCompletionChunk | undefined;
  /** The upstream's pass-through lane, when it has one. */
  private readonly passThrough: PassThroughChunkSource | undefined;
  private finished = false;
  private pendingError: ProviderError | undefined;
  /** The waiting `next()`'s settlers, while one waits on the upstream. */
  private resolveWaiting: ((result: IteratorResult<Chunk>) => void) | undefined;
  private rejectWaiting: ((error: unknown) => void) | undefined;
  /** The request's signal aborted (this object is its listener: no closure per stream). */
  handleEvent() {
    // The client left or the total timeout fired: give everything back now, reading or not.
    if (this.finished) return;
    const someoneWaits = this.rejectWaiting !== undefined;
    const error = this.fail(this.options.scope.signal.reason);
    // A waiting `next()` was told by `fail`; else the next call is.
    if (!someoneWaits) this.pendingError = error;
  }
  // Callbacks are methods bound per instance, not arrow fields: tsx compiles with keepNames, which
  // costs an arrow field a __name (defineProperty) call per instance, per request.
  private readonly onUpstreamResult = this.handleUpstreamResult.bind(this);
  private handleUpstreamResult(result: IteratorResult<Chunk>) {
    const resolve = this.resolveWaiting;
    this.resolveWaiting = undefined;
    this.rejectWaiting = undefined;
    if (!resolve) return; // settled already, by an abort
    if (this.finished) return resolve(finishedResult);
    if (result.done) {
      const { held, now, ttftMs } = this.options;
      held.record.succeeded({ ttftMs, latencyMs: now() - held.startedAt });
      this.finish(true);
      return resolve(finishedResult);
    }
    resolve(result);
  }
  private readonly onUpstreamError = this.handleUpstreamError.bind(this);
  private handleUpstreamError(thrown: unknown) {
    const reject = this.rejectWaiting;
    this.resolveWaiting = undefined;
    this.rejectWaiting = undefined;
    if (!reject) return;
    reject(this.finished ? this.takePendingError(thrown) : this.fail(thrown));
  }
  private readonly wait = this.parkNext.bind(this);
  private parkNext(resolve: (result: IteratorResult<Chunk>) => void, reject: (error: unknown) => void) {
    this.resolveWaiting = resolve;
    this.rejectWaiting = reject;
  }

  constructor(private readonly options: RoutedChunksOptions) {
    this.first = options.first;
    this.passThrough = passThroughSourceOf(options.upstream);
    const { signal } = options.scope;
    signal.addEventListener("abort", this, { once: true });
    if (signal.aborted) this.handleEvent();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.pull(false) as Promise<IteratorResult<ChatCompletionChunk>>;
  }

  nextPassThrough(): Promise<IteratorResult<Chunk>> {
    return this.pull(true);
  }

  private pull(passThrough: boolean): Promise<IteratorResult<Chunk>> {
    if (this.pendingError) return Promise.reject(this.takePendingError(undefined));
    if (this.finished) return Promise.resolve(finishedResult);
    const first = this.first;
    if (first) {
      this.first = undefined;
      return Promise.resolve({ done: false, value: first });
    }
    const result = new Promise<IteratorResult<Chunk>>(this.wait);
    const { upstream } = this.options;
    const read = passThrough && this.passThrough ? this.passThrough.nextPassThrough() : upstream.next();
    read.then(this.onUpstreamResult, this.onUpstreamError);
    return result;
  }

  /** The consumer had enough: the deployment did nothing wrong. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.finished) {
      this.options.held.record.succeeded({ ttftMs: this.options.ttftMs });
      this.finish(false);
    }
    return Promise.resolve(finishedResult);
  }

  async throw(error?: unknown): Promise<IteratorResult<ChatCompletionChunk>> {
    await this.return();
    throw error;
  }

  private takePendingError(fallback: unknown): unknown {
    const error = this.pendingError ?? fallback;
    this.pendingError = undefined;
    return error;
  }

  private fail(thrown: unknown): ProviderError {
    const { held, scope, alias, now } = this.options;
    const error = settleFailure(held.record, thrown, {
      scope,
      attempt: held.scope,
      alias,
      deployment: held.target.deployment,
      elapsedMs: now() - held.startedAt,
      afterFirstByte: true,
    });
    this.finish(false, error);
    return error;
  }

  /**
   * Gives the holds back. Cancelling aborts the attempt's signal; a `next()` still waiting on the
   * upstream then fails at once, with `error` or the cancellation.
   */
  private finish(upstreamDone: boolean, error?: ProviderError): void {
    this.finished = true;
    const { held, scope, upstream } = this.options;
    scope.signal.removeEventListener("abort", this);
    held.scope.end(!upstreamDone);
    held.releaseSlot();
    scope.end();
    if (upstreamDone) return;
    upstream.return?.().catch(() => {});
    const reject = this.rejectWaiting;
    if (reject) {
      this.resolveWaiting = undefined;
      this.rejectWaiting = undefined;
      reject(error ?? held.scope.signal.reason);
    }
  }
}
