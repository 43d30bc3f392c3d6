import { apiErrorOf } from "../api-client.ts";
import type { StreamEvent } from "../chat-types.ts";

/** One `event:`/`data:` block of a server-sent event stream. */
interface RawEvent {
  event: string;
  data: string;
}

/** Splits SSE text into events; returns the events and the unfinished tail to keep. */
export function parseEventBlocks(buffer: string): { events: RawEvent[]; rest: string } {
  const normalized = buffer.replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: RawEvent[] = [];
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

const knownEvents = new Set(["snapshot", "delta", "tool", "done", "error"]);

/** Reads one server-sent event stream, an event at a time. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffer = "";
  private queued: RawEvent[] = [];

  constructor(body: NonNullable<Response["body"]>) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event; undefined once the stream ended. */
  async next(): Promise<RawEvent | undefined> {
    while (this.queued.length === 0) {
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      const parsed = parseEventBlocks(this.buffer + value);
      this.buffer = parsed.rest;
      this.queued = parsed.events;
    }
    return this.queued.shift();
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Follows a message's generation stream until `done`, calling `onEvent` for each event. A
 * connection that drops before `done` is opened again (every connection starts with a
 * `snapshot`, so nothing is lost or doubled); aborting `signal` ends it quietly. `opened` is a
 * stream already open (a turn answered with its stream), read before asking `url`.
 * Fetch rather than EventSource: it reads the error body of a refused stream and stops cleanly.
 */
export async function followMessageStream(
  url: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  opened?: SseReader,
): Promise<void> {
  let failures = 0;
  let first = opened;
  while (!signal.aborted) {
    try {
      const reader = first ?? (await openStream(url, signal));
      first = undefined;
      if (await readEvents(reader, onEvent, signal)) return;
      failures = 0;
    } catch (error) {
      if (signal.aborted) return;
      // A refusal (404, 401) will not change by asking again.
      if (error instanceof Error && error.name === "ApiError") throw error;
      failures += 1;
      if (failures > 5) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** failures, 4_000)));
  }
  first?.cancel();
}

async function openStream(url: string, signal: AbortSignal): Promise<SseReader> {
  const response = await fetch(url, { headers: { accept: "text/event-stream" }, signal });
  if (!response.ok || !response.body) throw await apiErrorOf(response);
  return new SseReader(response.body);
}

/** Reads one connection's events; true once `done` arrived. */
async function readEvents(
  reader: SseReader,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const cancel = () => reader.cancel();
  signal.addEventListener("abort", cancel, { once: true });
  try {
    for (let raw = await reader.next(); raw; raw = await reader.next()) {
      if (!knownEvents.has(raw.event)) continue;
      const event = { event: raw.event, data: JSON.parse(raw.data) } as StreamEvent;
      onEvent(event);
      if (event.event === "done") return true;
    }
    return false;
  } finally {
    signal.removeEventListener("abort", cancel);
    reader.cancel();
  }
}

/**
 * Starts a turn (send, edit, regenerate) asking for its reply's stream in the same response:
 * resolves with the `created` messages and the open stream to follow, which saves the second
 * request before the first token.
 */
export async function startStreamedTurn<Created>(
  path: string,
  body: unknown,
): Promise<{ created: Created; stream: SseReader }> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) throw await apiErrorOf(response);
  const stream = new SseReader(response.body);
  const first = await stream.next();
  if (first?.event !== "created") {
    stream.cancel();
    throw new Error("The server did not start the reply's stream");
  }
  return { created: JSON.parse(first.data) as Created, stream };
}
