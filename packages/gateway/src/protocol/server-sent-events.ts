const lineFeed = 10;
const carriageReturn = 13;
const space = 32;
/** `data:` as bytes. */
const dataField = [100, 97, 116, 97, 58];

/**
 * Splits a `text/event-stream` body into events' `data` as the bytes arrive, working on the
 * bytes themselves: a line is decoded to text only once it is complete, so a character split
 * across two network reads is never torn (a UTF-8 sequence never contains a newline byte).
 * Comments (`: keep-alive`, sent by some hosted upstreams) and `event:`/`id:`/`retry:` fields are
 * skipped: OpenAI chat streams use data only.
 *
 * @example
 * const decoder = new ServerSentEventDecoder();
 * for await (const bytes of socketStream) for (const data of decoder.decode(bytes)) handle(data);
 * for (const data of decoder.end()) handle(data);
 */
export class ServerSentEventDecoder {
  /** An incomplete line carried over to the next read. */
  private rest: Buffer | undefined;
  /** Data lines of the event being read, waiting for its blank line. */
  private data: string[] = [];

  /** The events completed by these bytes, in order (usually one, often none or several). */
  decode(bytes: Uint8Array): string[] {
    let buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.rest) {
      buffer = Buffer.concat([this.rest, buffer]);
      this.rest = undefined;
    }
    const events: string[] = [];
    let start = 0;
    let newline = buffer.indexOf(lineFeed, start);
    while (newline !== -1) {
      const end = newline > start && buffer[newline - 1] === carriageReturn ? newline - 1 : newline;
      this.line(buffer, start, end, events);
      start = newline + 1;
      newline = buffer.indexOf(lineFeed, start);
    }
    if (start < buffer.length) this.rest = buffer.subarray(start);
    return events;
  }

  /**
   * The body ended: a last event without its blank line is kept, since some servers close right
   * after it.
   */
  end(): string[] {
    const events: string[] = [];
    if (this.rest) {
      const rest = this.rest;
      this.rest = undefined;
      const end = rest[rest.length - 1] === carriageReturn ? rest.length - 1 : rest.length;
      this.line(rest, 0, end, events);
    }
    if (this.data.length > 0) events.push(this.takeEvent());
    return events;
  }

  private line(buffer: Buffer, start: number, end: number, events: string[]): void {
    if (start === end) {
      if (this.data.length > 0) events.push(this.takeEvent());
      return;
    }
    if (end - start < dataField.length) return;
    for (let index = 0; index < dataField.length; index++) {
      if (buffer[start + index] !== dataField[index]) return;
    }
    const valueStart = end > start + 5 && buffer[start + 5] === space ? start + 6 : start + 5;
    this.data.push(buffer.toString("utf8", valueStart, end));
  }

  private takeEvent(): string {
    const event = this.data.length === 1 ? (this.data[0] as string) : this.data.join("\n");
    this.data = [];
    return event;
  }
}

/**
 * Reads a `text/event-stream` body incrementally and yields each event's `data` as soon as its
 * blank line arrives, so a proxied stream is never held back. Takes a web `ReadableStream` (a
 * fetch body) or any async iterable of bytes (a Node stream). Stopping the iteration cancels a
 * web stream; a Node stream is left to its owner.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new ServerSentEventDecoder();
  if (!(body instanceof ReadableStream)) {
    for await (const bytes of body) yield* decoder.decode(bytes);
    yield* decoder.end();
    return;
  }
  const reader = body.getReader();
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* decoder.decode(value);
    }
    yield* decoder.end();
    finished = true;
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}
