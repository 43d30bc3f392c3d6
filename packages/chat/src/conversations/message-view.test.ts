import { describe, expect, it } from "vitest";
import { buildTree } from "./message-tree.ts";
import { type MessageRow, messageView } from "./message-view.ts";

const row = (overrides: Partial<MessageRow> = {}): MessageRow => ({
  id: "m1",
  parent_id: null,
  role: "assistant",
  content: "Hi",
  parts: "[]",
  status: "complete",
  error: null,
  model: "test-chat",
  usage: '{"promptTokens":3,"completionTokens":5}',
  created_at: "2024-05-01T10:00:00.000Z",
  updated_at: "2024-05-01T10:00:01.000Z",
  ...overrides,
});

describe("messageView", () => {
  it("maps a row to the API's camelCase shape with its siblings", () => {
    const rows = [row(), row({ id: "m2", created_at: "2024-05-01T10:00:05.000Z" })];
    expect(messageView(rows[1] as MessageRow, buildTree(rows), { rating: "down", comment: "wrong" })).toEqual(
      {
        id: "m2",
        parentId: null,
        role: "assistant",
        content: "Hi",
        parts: [],
        status: "complete",
        error: null,
        model: "test-chat",
        usage: { promptTokens: 3, completionTokens: 5 },
        createdAt: "2024-05-01T10:00:05.000Z",
        updatedAt: "2024-05-01T10:00:01.000Z",
        siblings: { ids: ["m1", "m2"], index: 1 },
        feedback: { rating: "down", comment: "wrong" },
      },
    );
  });

  it("tolerates corrupt JSON columns and drops parts it does not know", () => {
    const parts = JSON.stringify([
      { type: "tool_call", id: "c1", name: "calculator", arguments: "{}" },
      { type: "video", url: "x" },
      "text",
      null,
      { type: "image" },
    ]);
    const tree = buildTree([row()]);
    expect(messageView(row({ parts }), tree).parts).toEqual([
      { type: "tool_call", id: "c1", name: "calculator", arguments: "{}" },
    ]);
    expect(messageView(row({ parts: "[{" }), tree).parts).toEqual([]);
    expect(messageView(row({ parts: '{"type":"image"}' }), tree).parts).toEqual([]);
    expect(messageView(row({ usage: "nope" }), tree).usage).toBeNull();
    expect(messageView(row({ usage: null }), tree).usage).toBeNull();
    expect(messageView(row({ usage: '{"promptTokens":"x"}' }), tree).usage).toEqual({
      promptTokens: 0,
      completionTokens: 0,
    });
    expect(messageView(row(), tree)).not.toHaveProperty("feedback");
    // A row missing from the tree it is shown with is its own only sibling.
    expect(messageView(row({ id: "stray" }), tree).siblings).toEqual({ ids: ["stray"], index: 0 });
  });
});
