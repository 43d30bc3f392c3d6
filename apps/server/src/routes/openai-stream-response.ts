import type { ServerResponse } from "node:http";
import {
  type ChatCompletionChunk,
  PassThroughChunk,
  ProviderError,
  passThroughSourceOf,
  rawJsonOf,
} from "@nexus/gateway";
import type { FastifyReply } from "fastify";
import { startEventStream } from "./event-stream-response.ts";

const done = "data: [DONE]\n\n";

/**
 * Sends a chat stream in OpenAI's SSE framing: `data: <chunk>` per chunk, then `data: [DONE]`.
 * A failure after the first byte cannot change the status any more, so it ends the stream with a
 * `data: {"error":…}` event, which the OpenAI SDKs raise as an error. The client going away stops
 * the gateway's stream (which cancels the upstream).
 *
 * One loop writes straight to the response instead of going through a generator and
 * `Readable.from` piped into it: two fewer async hops per chunk. Chunks that are already there
 * (an upstream read often carries many) leave in one write at the end of the tick (TickBatch),
 * and the last of them, `[DONE]` and the chunked terminator share one. Nothing waits to be
 * batched: a chunk goes out in the tick it arrives in.
 *
 * Chunks are read through the gateway's pass-through lane where it has one: an upstream's plain
 * content chunks arrive as the text they came in and leave as it, never parsed.
 *
 * The reply is hijacked (Fastify sends nothing itself); its headers so far (the request id) go
 * with the response, and its `onResponse` hooks still run when the response finishes.
 */
export async function sendChatCompletionStream(
  reply: FastifyReply,
  first: IteratorResult<ChatCompletionChunk>,
  chunks: AsyncIterator<ChatCompletionChunk>,
): Promise<void> {
  const response = startEventStream(reply);
  const batch = new TickBatch(response);
  const passThrough = passThroughSourceOf(chunks);
  let finished = false;
  try {
    let result: IteratorResult<ChatCompletionChunk | PassThroughChunk> = first;
    while (!result.done) {
      // An upstream's chunk goes out as the text it came in: no second serialization per chunk.
      batch.add(`data: ${jsonTextOf(result.value)}\n\n`);
      if (response.writableNeedDrain && !(await drained(response))) return;
      result = await (passThrough ? passThrough.nextPassThrough() : chunks.next());
    }
    finished = true;
    batch.end(done);
  } catch (error) {
    finished = true;
    if (response.destroyed) return;
    const body =
      error instanceof ProviderError
        ? error.toBody()
        : { error: { type: "internal_error", message: "The stream failed; details are in the server log" } };
    reply.log.warn({ err: error }, "chat stream failed after the first byte");
    batch.end(`data: ${JSON.stringify(body)}\n\n`);
  } finally {
    if (!finished) await chunks.return?.();
  }
}

function jsonTextOf(chunk: ChatCompletionChunk | PassThroughChunk): string {
  if (chunk instanceof PassThroughChunk) return chunk.text;
  return rawJsonOf(chunk) ?? JSON.stringify(chunk);
}

/**
 * The frames added in one tick, written as one string at its end (when Node would uncork the
 * socket anyway): one chunked-encoding frame and one buffer for the kernel instead of four small
 * ones per SSE event. Nothing is held past the tick it was added in.
 */
class TickBatch {
  private text = "";
  private scheduled = false;
  private readonly flush = () => {
    this.scheduled = false;
    if (this.text === "") return;
    const text = this.text;
    this.text = "";
    this.response.write(text);
  };

  constructor(private readonly response: ServerResponse) {}

  add(frame: string): void {
    this.text += frame;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Ends the response with what is pending and `last`, in one write with the chunked terminator. */
  end(last: string): void {
    const text = this.text + last;
    this.text = "";
    this.response.end(text);
  }
}

/** Resolves true once the client has read enough to write again, false if it went away. */
function drained(response: ServerResponse): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = () => {
      response.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      response.off("drain", onDrain);
      resolve(false);
    };
    response.once("drain", onDrain);
    response.once("close", onClose);
  });
}
