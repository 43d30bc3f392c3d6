import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readChatGPTExport } from "./chatgpt-import.ts";

const fixture = JSON.parse(
  fs.readFileSync(
    path.join(import.meta.dirname, "../../../../apps/server/test/fixtures/chatgpt-conversations.json"),
    "utf8",
  ),
) as unknown[];

const node = (id: string, parent: string | null, message: unknown, children: string[] = []) => ({
  id,
  message,
  parent,
  children,
});
const said = (role: string, text: string, time?: number, extra: Record<string, unknown> = {}) => ({
  author: { role },
  create_time: time ?? null,
  content: { content_type: "text", parts: [text] },
  ...extra,
});

describe("ChatGPT import", () => {
  it("keeps user and assistant messages, every branch, and the current branch's leaf", () => {
    const [trip, python] = readChatGPTExport(fixture);
    expect(trip?.title).toBe("Trip to Kyoto");
    expect(trip?.model).toBe("gpt-4o");
    expect(trip?.messages.map((message) => [message.key, message.parentKey])).toEqual([
      ["u-1", null],
      ["a-1", "u-1"],
      ["a-1b", "u-1"],
      ["u-2", "a-1"],
      ["a-3", "u-2"],
      ["u-1b", null],
      ["a-4", "u-1b"],
    ]);
    expect(trip?.activeLeafKey).toBe("a-3");
    expect(trip?.messages.find((message) => message.key === "a-1")?.model).toBe("gpt-4o");
    expect(python?.messages.map((message) => message.key)).toEqual(["q-1", "r-1"]);
  });

  it("moves a current node that is left out to its nearest kept ancestor", () => {
    const [conversation] = readChatGPTExport([
      {
        title: null,
        mapping: {
          r: node("r", null, null),
          u: node("u", "r", said("user", "hi", 1)),
          t: node("t", "u", said("tool", "result", 2)),
        },
        current_node: "t",
      },
    ]);
    expect(conversation).toMatchObject({ title: "", model: "", activeLeafKey: "u" });
    expect(conversation?.messages[0]?.createdAt).toBe("1970-01-01T00:00:01.000Z");
  });

  it("reads code and multimodal content, and skips empty, hidden and tool-addressed messages", () => {
    const [conversation] = readChatGPTExport([
      {
        create_time: 1_700_000_000,
        mapping: {
          a: node("a", null, {
            author: { role: "user" },
            content: {
              content_type: "multimodal_text",
              parts: [
                { content_type: "image_asset_pointer", asset_pointer: "file-service://x" },
                "Look",
                { content_type: "audio_transcription", text: "spoken words" },
              ],
            },
          }),
          b: node("b", "a", {
            author: { role: "assistant" },
            content: { content_type: "code", language: "python", text: "print(1)" },
          }),
          c: node("c", "b", said("assistant", "   ")),
          d: node("d", "c", said("assistant", "to the tool", undefined, { recipient: "python" })),
          e: node(
            "e",
            "d",
            said("user", "hidden", undefined, { metadata: { is_visually_hidden_from_conversation: true } }),
          ),
          f: node("f", "e", said("system", "be nice")),
          g: node("g", "f", {
            author: { role: "assistant" },
            content: { content_type: "reasoning_recap", content: "Thought for 3s" },
          }),
          h: node("h", "g", said("assistant", "Done")),
        },
      },
    ]);
    expect(
      conversation?.messages.map((message) => [message.key, message.parentKey, message.content]),
    ).toEqual([
      ["a", null, "[image]\n\nLook\n\nspoken words"],
      ["b", "a", "```python\nprint(1)\n```"],
      ["h", "b", "Done"],
    ]);
    // Times missing everywhere fall back to the conversation's.
    expect(conversation?.messages[0]?.createdAt).toBe("2023-11-14T22:13:20.000Z");
  });

  it("explains what is wrong with a file that is not ChatGPT's", () => {
    expect(() => readChatGPTExport([{ mapping: "nope" }])).toThrow(/Invalid ChatGPT export: 0\.mapping/);
    expect(() => readChatGPTExport([{ mapping: { a: node("a", "a", null) } }])).toThrow(
      /conversation 0: parent links loop/,
    );
    expect(() => readChatGPTExport([{ mapping: { a: { parent: 5 } } }])).toThrow(/0\.mapping\.a\.parent/);
  });
});
