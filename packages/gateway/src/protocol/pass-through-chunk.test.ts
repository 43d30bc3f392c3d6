import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "./openai-chat.ts";
import { PassThroughChunk, scanPassThroughChunk } from "./pass-through-chunk.ts";

const base = { id: "c1", object: "chat.completion.chunk", created: 1, model: "m" };
const delta = (content: unknown, finish: string | null = null) => ({
  ...base,
  choices: [{ index: 0, delta: { content }, finish_reason: finish }],
});

/** What the gateway reads from a parsed chunk, for comparison with the scan. */
function factsOf(chunk: ChatCompletionChunk) {
  let contentChars = 0;
  let finishes = false;
  for (const choice of chunk.choices) {
    contentChars += choice.delta?.content?.length ?? 0;
    if (choice.finish_reason) finishes = true;
  }
  return { contentChars, finishes };
}

describe("reading a stream chunk's facts off its text", () => {
  it("finds what JSON.parse would, through escapes, non-ASCII text and spacing", () => {
    const texts = [
      JSON.stringify(delta("tok7 ")),
      JSON.stringify(delta('she said "hi"\n\tand \\ left')),
      JSON.stringify(delta("é中文 😀 \u2028")),
      // As a server that escapes non-ASCII writes it.
      JSON.stringify(delta("x")).replace('"x"', '"\\u00e9\\ud83d\\ude00"'),
      JSON.stringify(delta("")),
      JSON.stringify(delta("trailing backslash \\")),
      JSON.stringify({ ...delta("k"), 'odd \\"key': "content", usage_details: { error_rate: 0 } }),
      JSON.stringify(delta(null, "stop")),
      JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "length" }] }),
      JSON.stringify({ ...delta("a"), usage: null }),
      JSON.stringify(delta("content: not a key")),
      JSON.stringify(delta('{"content":"fake","finish_reason":"stop"}')),
      JSON.stringify({
        ...base,
        choices: [
          { index: 0, delta: { content: "one" }, finish_reason: null },
          { index: 1, delta: { content: "three" }, finish_reason: "stop" },
        ],
      }),
      JSON.stringify({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '{"content":"x"}' } }] },
            finish_reason: null,
          },
        ],
      }),
      JSON.stringify({ ...delta("r"), reasoning_content: "thinking" }),
      // Python's json.dumps spacing.
      JSON.stringify(delta("spaced", "stop"), null, 1),
      '{"id": "c1", "choices": [{"index": 0, "delta": {"content": "a b"}, "finish_reason": null}]}',
    ];
    for (const text of texts) {
      expect(scanPassThroughChunk(text), text).toEqual(factsOf(JSON.parse(text)));
    }
  });

  it("leaves error events, usage, content parts and odd shapes to the parser", () => {
    const mustParse = [
      JSON.stringify({ error: { message: "overloaded", type: "server_error" } }),
      JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } }),
      JSON.stringify({ ...delta("a"), usage: { prompt_tokens: 1, completion_tokens: 2 } }),
      JSON.stringify(delta([{ type: "text", text: "part" }])),
      JSON.stringify(delta("unterminated")).replace(/"unterminated".*/, '"unterminated'),
      "[1, 2]",
      "not json",
      "",
    ];
    for (const text of mustParse) expect(scanPassThroughChunk(text), text).toBeUndefined();
  });

  it("parses its text once, when first asked, with the parser it was given", () => {
    let parses = 0;
    const text = JSON.stringify(delta("hi"));
    const chunk = new PassThroughChunk(text, 2, false, (json) => {
      parses++;
      return JSON.parse(json);
    });
    expect(parses).toBe(0);
    expect(chunk.value()).toEqual(delta("hi"));
    expect(chunk.value()).toBe(chunk.value());
    expect(parses).toBe(1);
  });
});
