import { describe, expect, it } from "vitest";
import { createSseParser, type ServerSentEvent } from "./sse-parser.ts";

describe("createSseParser", () => {
  const parseAll = (chunks: string[]) => {
    const events: ServerSentEvent[] = [];
    const parse = createSseParser((event) => events.push(event));
    for (const chunk of chunks) parse(chunk);
    return events;
  };

  it("reads events split anywhere across chunks", () => {
    const text =
      'id: 1\nevent: snapshot\ndata: {"content":""}\n\nid: 2\nevent: delta\ndata: {"text":"Hi"}\n\n';
    const whole = parseAll([text]);
    expect(whole).toEqual([
      { event: "snapshot", data: '{"content":""}' },
      { event: "delta", data: '{"text":"Hi"}' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it("skips comments, joins data lines, takes CRLF, and waits for the blank line", () => {
    expect(
      parseAll([": keep-alive\n\n", "event: done\r\ndata: a\r\ndata: b\r\n\r\n", "data: unfinished\n"]),
    ).toEqual([{ event: "done", data: "a\nb" }]);
    expect(parseAll(["data: plain\n\n"])).toEqual([{ event: "message", data: "plain" }]);
  });
});
