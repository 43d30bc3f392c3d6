import { describe, expect, it } from "vitest";
import type { ConversationView } from "../conversations/conversation-view.ts";
import type { MessageView } from "../conversations/message-view.ts";
import { conversationMarkdown } from "./conversation-markdown.ts";

const conversation: ConversationView = {
  id: "conv_1",
  title: "Line\nbreak title",
  agentId: null,
  model: "test-chat",
  folder: null,
  pinned: false,
  activeLeafId: "m2",
  createdAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:00:00.000Z",
};
const message = (overrides: Partial<MessageView>): MessageView => ({
  id: "m1",
  parentId: null,
  role: "user",
  content: "",
  parts: [],
  status: "complete",
  error: null,
  model: null,
  usage: null,
  createdAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:00:00.000Z",
  siblings: { ids: ["m1"], index: 0 },
  ...overrides,
});

describe("Markdown export", () => {
  it("writes headings per role, names attachments and fences tool traffic safely", () => {
    const markdown = conversationMarkdown(conversation, [
      message({ content: "Hello", parts: [{ type: "image", dataUrl: "data:image/png;base64,AAAA" }] }),
      message({
        id: "m2",
        role: "assistant",
        model: "test-chat",
        status: "stopped",
        content: "Partial",
        siblings: { ids: ["m2", "m3", "m4"], index: 2 },
        parts: [
          { type: "tool_call", id: "c", name: "fetch_page", arguments: '{"url":"```"}' },
          { type: "tool_result", toolCallId: "c", name: "fetch_page", content: "boom", isError: true },
        ],
        error: "Upstream\ntimed out",
      }),
    ]);
    expect(markdown).toBe(
      [
        "# Line break title",
        "",
        "- Model: test-chat",
        "- Created: 2024-05-01T10:00:00.000Z",
        "",
        "## User",
        "",
        "Hello",
        "",
        "Attachments: image (unnamed)",
        "",
        "## Assistant (test-chat, version 3 of 3, stopped)",
        "",
        "Partial",
        "",
        "**Tool call** `fetch_page`",
        "",
        '````json\n{"url":"```"}\n````',
        "",
        "**Tool error** `fetch_page`",
        "",
        "```\nboom\n```",
        "",
        "> Error: Upstream timed out",
        "",
      ].join("\n"),
    );
  });

  it("names an untitled, empty conversation", () => {
    expect(conversationMarkdown({ ...conversation, title: "  " }, [])).toContain("# Untitled conversation");
  });
});
