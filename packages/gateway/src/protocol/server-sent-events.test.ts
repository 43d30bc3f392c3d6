import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readServerSentEvents, ServerSentEventDecoder } from "./server-sent-events.ts";

/** Feeds `text` to a fresh decoder cut into pieces at `cuts` (byte offsets); returns every event. */
function decodeInPieces(text: string, cuts: number[]): string[] {
  const bytes = Buffer.from(text, "utf8");
  const decoder = new ServerSentEventDecoder();
  const events: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...decoder.decode(bytes.subarray(start, cut)));
    start = cut;
  }
  events.push(...decoder.end());
  return events;
}

const openAIStream =
  'data: {"choices":[{"delta":{"content":"héllo wörld 🙂"}}]}\n\n' +
  ": keep-alive\n\n" +
  'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n' +
  "data: [DONE]\n\n";
const expected = [
  '{"choices":[{"delta":{"content":"héllo wörld 🙂"}}]}',
  '{"choices":[{"delta":{},"finish_reason":"stop"}]}',
  "[DONE]",
];

describe("ServerSentEventDecoder", () => {
  it("yields each event's data once its blank line arrives, skipping comments", () => {
    const decoder = new ServerSentEventDecoder();
    const [first, ...rest] = openAIStream.split(/(?<=\n\n)/);
    expect(decoder.decode(Buffer.from(first ?? ""))).toEqual([expected[0]]);
    expect(decoder.decode(Buffer.from(rest.join("")))).toEqual(expected.slice(1));
    expect(decoder.end()).toEqual([]);
  });

  it("gives the same events however the bytes are cut, even inside a multi-byte character", () => {
    const length = Buffer.byteLength(openAIStream);
    for (let cut = 1; cut < length; cut++) expect(decodeInPieces(openAIStream, [cut])).toEqual(expected);
    const everyByte = Array.from({ length: length - 1 }, (_, index) => index + 1);
    expect(decodeInPieces(openAIStream, everyByte)).toEqual(expected);
  });

  it("takes CRLF line ends, joins multi-line data, ignores other fields", () => {
    const text =
      "event: message\r\nid: 7\r\ndata: line one\r\ndata:line two\r\nretry: 10\r\n\r\ndata: x\r\n\r\n";
    expect(decodeInPieces(text, [3, 30])).toEqual(["line one\nline two", "x"]);
  });

  it("keeps a last event whose blank line never came, and an empty data field", () => {
    expect(decodeInPieces("data: a\n\ndata: last", [])).toEqual(["a", "last"]);
    expect(decodeInPieces("data:\n\ndata: b\n", [])).toEqual(["", "b"]);
  });

  it("drops lines that are not data, even ones that start like it", () => {
    expect(decodeInPieces("dat\ndatum: no\ndata: yes\n\n", [])).toEqual(["yes"]);
  });
});

describe("readServerSentEvents", () => {
  it("reads a web ReadableStream (a fetch body)", async () => {
    const body = new Response(openAIStream).body as ReadableStream<Uint8Array>;
    const events: string[] = [];
    for await (const data of readServerSentEvents(body)) events.push(data);
    expect(events).toEqual(expected);
  });

  it("reads a Node stream of Buffers", async () => {
    const bytes = Buffer.from(openAIStream);
    const body = Readable.from([bytes.subarray(0, 10), bytes.subarray(10, 41), bytes.subarray(41)]);
    const events: string[] = [];
    for await (const data of readServerSentEvents(body)) events.push(data);
    expect(events).toEqual(expected);
  });

  it("cancels a web stream when the reader stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("data: tick\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const data of readServerSentEvents(body)) {
      expect(data).toBe("tick");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
