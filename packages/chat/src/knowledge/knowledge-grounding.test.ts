import { describe, expect, it } from "vitest";
import { groundingFor, type KnowledgeSearch } from "./knowledge-grounding.ts";

const citation = (documentName: string, page: number | null) => ({
  knowledgeBaseId: "kb_1",
  documentId: `doc_${documentName}`,
  documentName,
  chunkId: `chunk_${documentName}`,
  page,
});

describe("groundingFor", () => {
  it("numbers the passages for the model and keeps them as the reply's citations", async () => {
    const asked: unknown[] = [];
    const search: KnowledgeSearch = async (request) => {
      asked.push(request);
      return {
        hits: [
          { content: "Refunds take 5 days.", score: 0.9, citation: citation("policy.pdf", 3) },
          { content: "x".repeat(5_000), score: 0.4, citation: citation("notes.md", null) },
        ],
      };
    };
    const grounding = await groundingFor(search, {
      workspaceId: "ws_1",
      knowledgeBaseIds: ["kb_1"],
      query: "how long do refunds take?",
    });
    expect(asked).toEqual([
      { workspaceId: "ws_1", knowledgeBaseIds: ["kb_1"], query: "how long do refunds take?", topK: 5 },
    ]);
    expect(grounding?.part.citations.map((c) => [c.index, c.documentName, c.page])).toEqual([
      [1, "policy.pdf", 3],
      [2, "notes.md", null],
    ]);
    expect(grounding?.part.citations[1]?.excerpt).toHaveLength(2_000);
    expect(grounding?.message.role).toBe("system");
    expect(grounding?.message.content).toContain("[1] policy.pdf, page 3\nRefunds take 5 days.");
    expect(grounding?.message.content).toContain("[2] notes.md\n");
  });

  it("gives nothing for no hits, an empty question or no knowledge bases", async () => {
    const none: KnowledgeSearch = async () => ({ hits: [] });
    const base = { workspaceId: "ws_1", knowledgeBaseIds: ["kb_1"], query: "q" };
    expect(await groundingFor(none, base)).toBeUndefined();
    const never: KnowledgeSearch = async () => {
      throw new Error("must not search");
    };
    expect(await groundingFor(never, { ...base, query: "  " })).toBeUndefined();
    expect(await groundingFor(never, { ...base, knowledgeBaseIds: [] })).toBeUndefined();
  });
});
