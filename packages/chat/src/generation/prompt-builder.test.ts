import { describe, expect, it } from "vitest";
import { buildPrompt } from "./prompt-builder.ts";

type Row = Parameters<typeof buildPrompt>[1][number];
const row = (
  role: Row["role"],
  content: string,
  parts: unknown[] = [],
  status: Row["status"] = "complete",
): Row => ({
  role,
  content,
  parts: JSON.stringify(parts),
  status,
});

describe("buildPrompt", () => {
  it("puts the system prompt first and replays the branch in order", () => {
    expect(
      buildPrompt("Be brief.", [row("user", "Hi"), row("assistant", "Hello!"), row("user", "Bye")]),
    ).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Bye" },
    ]);
    expect(buildPrompt("  ", [row("system", "Stored system"), row("user", "Hi")])).toEqual([
      { role: "system", content: "Stored system" },
      { role: "user", content: "Hi" },
    ]);
  });

  it("inlines text files with their names and sends images as image_url parts", () => {
    const image = "data:image/png;base64,AAAA";
    const [withFile] = buildPrompt("", [
      row("user", "Summarise", [{ type: "text_file", name: "a.txt", text: "Alpha" }]),
    ]);
    expect(withFile).toEqual({ role: "user", content: 'Summarise\n\n<file name="a.txt">\nAlpha\n</file>' });
    const [withImage] = buildPrompt("", [
      row("user", "What is this?", [
        { type: "image", dataUrl: image, name: "x.png" },
        { type: "text_file", name: "b.md", text: "Beta" },
      ]),
    ]);
    expect(withImage).toEqual({
      role: "user",
      content: [
        { type: "text", text: 'What is this?\n\n<file name="b.md">\nBeta\n</file>' },
        { type: "image_url", image_url: { url: image } },
      ],
    });
    const [imageOnly] = buildPrompt("", [row("user", "", [{ type: "image", dataUrl: image }])]);
    expect(imageOnly).toEqual({ role: "user", content: [{ type: "image_url", image_url: { url: image } }] });
  });

  it("replays tool calls and their results before the reply's text", () => {
    const parts = [
      { type: "tool_call", id: "c1", name: "calculator", arguments: '{"expression":"1+1"}' },
      { type: "tool_result", toolCallId: "c1", name: "calculator", content: "2" },
      // Stopped before its result: not replayable.
      { type: "tool_call", id: "c2", name: "calculator", arguments: "{}" },
    ];
    expect(buildPrompt("", [row("user", "1+1?"), row("assistant", "It is 2.", parts)])).toEqual([
      { role: "user", content: "1+1?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "calculator", arguments: '{"expression":"1+1"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "2" },
      { role: "assistant", content: "It is 2." },
    ]);
  });

  it("leaves out replies that failed or stopped before any text, and stored tool rows", () => {
    expect(
      buildPrompt("", [
        row("user", "Hi"),
        row("assistant", "", [], "failed"),
        row("assistant", "", [], "stopped"),
        row("tool", "orphan result"),
        row("assistant", "Partial", [], "stopped"),
      ]),
    ).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Partial" },
    ]);
  });
});
