import { describe, expect, it } from "vitest";
import { rankedResults, rerankRequestSchema } from "./rerank.ts";

const valid = { model: "reranker", query: "capital of France", documents: ["Paris", { text: "Lyon" }] };

const errorsOf = (input: unknown) => {
  const parsed = rerankRequestSchema.safeParse(input);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("rerank request schema", () => {
  it("takes the Cohere/Jina/vLLM shape, strings or {text} documents, and passes extras on", () => {
    const parsed = rerankRequestSchema.parse({
      ...valid,
      top_n: 1,
      return_documents: false,
      truncate_prompt_tokens: 8,
    });
    expect(parsed).toMatchObject({ top_n: 1, return_documents: false, truncate_prompt_tokens: 8 });
  });

  it("rejects bad input with messages that name the field", () => {
    expect(errorsOf({ ...valid, documents: [] })).toEqual(["documents: must hold at least one document"]);
    expect(errorsOf({ ...valid, query: "" })).toEqual(["query: must not be empty"]);
    expect(errorsOf({ ...valid, documents: ["ok", 7] })).toEqual([
      "documents.1: each document must be a string or an object with a string 'text'",
    ]);
    expect(errorsOf({ ...valid, top_n: -1 })[0]).toMatch(/^top_n: /);
    expect(errorsOf({ ...valid, top_n: 1.5 })[0]).toMatch(/^top_n: /);
    expect(errorsOf({ query: "q", documents: ["d"] })[0]).toMatch(/^model: /);
    expect(errorsOf({ ...valid, documents: "Paris" })[0]).toMatch(/^documents: /);
  });
});

describe("rankedResults", () => {
  const request = rerankRequestSchema.parse({ ...valid, documents: ["a", { text: "b" }, "c"] });
  const scores = [
    { index: 0, relevance_score: 0.2 },
    { index: 1, relevance_score: 0.9 },
    { index: 2, relevance_score: 0.2 },
  ];

  it("sorts best first, ties in document order, with the documents' text", () => {
    expect(rankedResults(request, scores)).toEqual([
      { index: 1, relevance_score: 0.9, document: { text: "b" } },
      { index: 0, relevance_score: 0.2, document: { text: "a" } },
      { index: 2, relevance_score: 0.2, document: { text: "c" } },
    ]);
  });

  it("cuts to top_n (0 means all) and leaves documents out when asked", () => {
    expect(rankedResults({ ...request, top_n: 1, return_documents: false }, scores)).toEqual([
      { index: 1, relevance_score: 0.9 },
    ]);
    expect(rankedResults({ ...request, top_n: 0 }, scores)).toHaveLength(3);
  });
});
