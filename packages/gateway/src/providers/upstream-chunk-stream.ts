import type { ChatCompletionChunk } from "../protocol/openai-chat.ts";
import {
  PassThroughChunk,
  type PassThroughChunkSource,
  scanPassThroughChunk,
} from "../protocol/pass-through-chunk.ts";
import { ServerSentEventDecoder } from "../protocol/server-sent-events.ts";
import { ProviderError } from "./provider-error.ts";
import type { UpstreamCall } from "./upstream-call.ts";
import type { UpstreamResponse } from "./upstream-transport.ts";

type Body = UpstreamResponse["body"];

export interface UpstreamChunkSource {
  providerId: string;
  /** Starts the call's timers (on the first `next()`); the stream ends it, whichever way it ends. */
  startCall(): UpstreamCall;
  /** Sends the request; resolves with the 2xx answer's body, unread. */
  open(call: UpstreamCall): Promise<Body>;
  /** One event's data as a chunk; throws a ProviderError for an error event or bad JSON. */
  parse(data: string): ChatCompletionChunk;
}

// After [DONE] the rest of the body (the chunked terminator) is read in the background so the
// connection goes back to the pool; an upstream that keeps it open longer loses it.
const drainAfterDoneMs = 5_000;

const endOfStream: IteratorResult<never> = { done: true, value: undefined };

type Ready = ChatCompletionChunk | PassThroughChunk;

/**
 * The chunks of an OpenAI chat stream, read from the upstream's SSE body as they arrive.
 *
 * Everything already received is decoded in one go (one upstream read usually carries several
 * events, and undici hands each chunked-encoding piece over as its own Buffer); `next()` then
 * answers from that queue at the cost of one resolved promise, and only waits on the socket
 * when the queue is empty. A failure met while reading ahead is thrown after the chunks that
 * came before it, as if read one by one.
 *
 * After the first chunk, plain content chunks are not parsed as they arrive: they wait as
 * PassThroughChunks (their text and the facts read off it), parsed by `next()` when taken, or
 * handed over as they are by `nextPassThrough()` to a consumer that forwards the text.
 *
 * Ends at `[DONE]` (the rest of the body is drained in the background, keeping the connection),
 * or at the body's end after a `finish_reason` (some servers skip `[DONE]`); a body that ends
 * before either lost output and fails. `return()` cancels the upstream call: aborting closes the
 * connection, which is how vLLM and OpenAI learn to stop generating.
 */
export class UpstreamChunkStream
  implements AsyncIterableIterator<ChatCompletionChunk>, PassThroughChunkSource
{
  private call: UpstreamCall | undefined;
  private body: Body | undefined;
  private readonly decoder = new ServerSentEventDecoder();
  private ready: Ready[] = [];
  private taken = 0;
  /** What went wrong while reading ahead; thrown once the chunks before it are taken. */
  private failure: unknown;
  private failed = false;
  private sawDone = false;
  private bodyEnded = false;
  private sawFinishReason = false;
  private afterFirstByte = false;
  /** The call is over (completed, failed or stopped): its timers and signal are given back. */
  private settled = false;
  private wake: (() => void) | undefined;
  // Callbacks are methods bound per instance, not arrow fields: tsx compiles with keepNames, which
  // costs an arrow field a __name (defineProperty) call per instance, per request.
  private readonly onBodyChange = this.handleBodyChange.bind(this);
  private handleBodyChange() {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
  private readonly onBodyEnd = this.handleBodyEnd.bind(this);
  private handleBodyEnd() {
    this.bodyEnded = true;
    this.onBodyChange();
  }
  // Stays attached for the body's life: an abort after the stream settled still emits an error.
  private readonly onBodyError = this.handleBodyError.bind(this);
  private handleBodyError(error: unknown) {
    this.failWith(error);
    this.onBodyChange();
  }
  private readonly waitForBody = this.parkReader.bind(this);
  private parkReader(resolve: () => void) {
    this.wake = resolve;
  }

  constructor(private readonly source: UpstreamChunkSource) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.taken < this.ready.length) {
      try {
        return Promise.resolve({ done: false, value: this.objectOf(this.take()) });
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.read().then((result) =>
      result.done ? result : { done: false, value: this.objectOf(result.value) },
    );
  }

  nextPassThrough(): Promise<IteratorResult<Ready>> {
    if (this.taken < this.ready.length) return Promise.resolve({ done: false, value: this.take() });
    return this.read();
  }

  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    this.settle(false);
    this.onBodyChange();
    return Promise.resolve(endOfStream);
  }

  /** A taken chunk as an object: a pass-through one is parsed now (bad JSON fails the stream here). */
  private objectOf(chunk: Ready): ChatCompletionChunk {
    if (!(chunk instanceof PassThroughChunk)) return chunk;
    try {
      return chunk.value();
    } catch (error) {
      // What was read ahead after it is not passed on: the stream failed here.
      this.ready = [];
      this.taken = 0;
      const failure = this.call ? this.call.failure(error, this.afterFirstByte) : error;
      this.settle(false);
      throw failure;
    }
  }

  private async read(): Promise<IteratorResult<Ready>> {
    try {
      if (!this.body && !this.settled) await this.open();
      while (!this.settled) {
        if (!this.failed && !this.sawDone) this.decodeAvailable();
        if (this.taken < this.ready.length) return { done: false, value: this.take() };
        if (this.failed) throw this.failure;
        if (this.sawDone) return this.complete();
        if (this.bodyEnded) {
          if (!this.failed) this.decodeEvents(this.decoder.end());
          if (this.taken < this.ready.length) return { done: false, value: this.take() };
          if (this.failed) throw this.failure;
          if (!this.sawFinishReason && !this.sawDone) throw this.incomplete();
          return this.complete();
        }
        await new Promise<void>(this.waitForBody);
      }
      return endOfStream;
    } catch (error) {
      const failure = this.call ? this.call.failure(error, this.afterFirstByte) : error;
      this.settle(false);
      throw failure;
    }
  }

  private async open(): Promise<void> {
    this.call = this.source.startCall();
    const body = await this.source.open(this.call);
    this.body = body;
    body.on("error", this.onBodyError);
    if (this.settled) {
      // Stopped while the request was on its way.
      if (!body.readableEnded) body.destroy();
      return;
    }
    body.on("end", this.onBodyEnd);
    body.on("readable", this.onBodyChange);
  }

  private take(): Ready {
    const chunk = this.ready[this.taken] as Ready;
    this.taken++;
    if (this.taken === this.ready.length) {
      this.ready = [];
      this.taken = 0;
    }
    return chunk;
  }

  /** Decodes every byte the body holds now (read() hands over all of it, joined). */
  private decodeAvailable(): void {
    const body = this.body as Body;
    let bytes: Buffer | null = body.read();
    while (bytes !== null && !this.failed && !this.sawDone) {
      this.decodeEvents(this.decoder.decode(bytes));
      if (this.failed || this.sawDone) return;
      bytes = body.read();
    }
  }

  private decodeEvents(events: string[]): void {
    for (const data of events) {
      if (data === "[DONE]") {
        this.sawDone = true;
        return;
      }
      // The first chunk is always parsed: an upstream that does not send JSON fails before the
      // first byte reaches the client, while another deployment can still answer.
      const scan = this.afterFirstByte ? scanPassThroughChunk(data) : undefined;
      if (scan) {
        if (scan.finishes) this.sawFinishReason = true;
        this.ready.push(new PassThroughChunk(data, scan.contentChars, scan.finishes, this.source.parse));
        continue;
      }
      let chunk: ChatCompletionChunk;
      try {
        chunk = this.source.parse(data);
      } catch (error) {
        this.failWith(error);
        return;
      }
      if (!this.afterFirstByte) {
        this.afterFirstByte = true;
        this.call?.firstToken();
      }
      const choices = chunk.choices;
      if (choices) {
        for (let index = 0; index < choices.length; index++) {
          if (choices[index]?.finish_reason) this.sawFinishReason = true;
        }
      }
      this.ready.push(chunk);
    }
  }

  private failWith(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
  }

  private complete(): IteratorResult<never> {
    this.settle(true);
    return endOfStream;
  }

  private incomplete(): ProviderError {
    return new ProviderError(
      `Upstream '${this.source.providerId}' stream ended before the completion finished`,
      {
        status: 502,
        type: "server_error",
        code: "upstream_stream_incomplete",
        retryable: !this.afterFirstByte,
      },
    );
  }

  private settle(completed: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.call?.end(completed);
    const body = this.body;
    if (!body) return;
    body.off("readable", this.onBodyChange);
    body.off("end", this.onBodyEnd);
    if (body.readableEnded) return;
    if (completed) drainInBackground(body);
    else body.destroy();
  }
}

function drainInBackground(body: Body): void {
  const timer = setTimeout(() => body.destroy(), drainAfterDoneMs);
  timer.unref();
  body.once("close", () => clearTimeout(timer));
  body.resume();
}
