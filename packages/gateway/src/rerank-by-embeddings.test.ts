import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddingResponse } from "./protocol/openai-chat.ts";
import { createLocalProvider, type LocalProvider } from "./providers/local-provider.ts";
import {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProvider,
} from "./providers/openai-compatible-provider.ts";
import { ProviderError } from "./providers/provider-error.ts";
import { cosineSimilarity, rerankByEmbeddings } from "./rerank-by-embeddings.ts";
import { type OpenAITestServer, startOpenAITestServer } from "./testing/openai-test-server.ts";

const modelFile = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");
const signal = () => new AbortController().signal;
const documents = ["the cat sat on the mat", "stock prices fell sharply", "a cat on a mat"];

describe("local provider: rerank by embedding similarity (real GGUF)", () => {
  let dir: string;
  let local: LocalProvider;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "nexus-rerank-"));
    symlinkSync(modelFile, path.join(dir, "tiny.gguf"));
    local = createLocalProvider({ modelsDir: dir, threads: 1, sequencesPerModel: 1 });
  });
  afterAll(async () => {
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ranks by cosine similarity of the model's own embeddings, best first", {
    timeout: 60_000,
  }, async () => {
    const query = documents[1] as string;
    const ranked = await local.doRerank(
      { model: "client-name", query, documents },
      { model: "tiny", signal: signal() },
    );
    // The same text embeds to the same vector, whatever the (random) weights: similarity 1, first.
    expect(ranked.results[0]).toMatchObject({ index: 1, document: { text: query } });
    expect(ranked.results[0]?.relevance_score).toBeCloseTo(1, 5);
    expect(ranked.results.map((result) => result.index).sort()).toEqual([0, 1, 2]);
    const scores = ranked.results.map((result) => result.relevance_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Each score is the cosine of the vectors doEmbed gives.
    const embedded = await local.doEmbed(
      { model: "tiny", input: [query, ...documents] },
      { model: "tiny", signal: signal() },
    );
    const vectors = embedded.data.map((item) => item.embedding as number[]);
    for (const result of ranked.results) {
      expect(result.relevance_score).toBeCloseTo(
        cosineSimilarity(vectors[0] as number[], vectors[result.index + 1] as number[]),
        6,
      );
    }
    expect(ranked).toMatchObject({ model: "tiny", usage: { total_tokens: embedded.usage.total_tokens } });
  });

  it("cuts to top_n and leaves documents out when asked", { timeout: 60_000 }, async () => {
    const ranked = await local.doRerank(
      { model: "tiny", query: documents[2] as string, documents, top_n: 1, return_documents: false },
      { model: "tiny", signal: signal() },
    );
    expect(ranked.results).toEqual([{ index: 2, relevance_score: expect.closeTo(1, 5) }]);
  });

  it("answers an unknown model with a 404", async () => {
    const failed = local.doRerank(
      { model: "x", query: "q", documents },
      { model: "missing", signal: signal() },
    );
    await expect(failed).rejects.toMatchObject({ status: 404, options: { code: "model_not_found" } });
  });
});

describe("rerankByEmbeddings over any embedding call", () => {
  let upstream: OpenAITestServer;
  let remote: OpenAICompatibleProvider;
  beforeAll(async () => {
    upstream = await startOpenAITestServer({ vllm: false });
    remote = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
  });
  afterAll(async () => {
    await remote.close();
    await upstream.close();
  });

  it("ranks with an upstream's embeddings, float or base64 alike", async () => {
    const request = { model: "test-embed", query: "stock prices fell sharply", documents };
    const asFloats = await rerankByEmbeddings(
      (embedding) => remote.doEmbed(embedding, { model: "test-embed", signal: signal() }),
      request,
    );
    const asBase64 = await rerankByEmbeddings(
      (embedding) =>
        remote.doEmbed(
          { ...embedding, encoding_format: "base64" },
          { model: "test-embed", signal: signal() },
        ),
      request,
    );
    expect(asFloats.results[0]).toMatchObject({ index: 1, relevance_score: expect.closeTo(1, 6) });
    expect(asBase64.results.map((result) => result.index)).toEqual(
      asFloats.results.map((result) => result.index),
    );
    for (const [index, result] of asBase64.results.entries()) {
      expect(result.relevance_score).toBeCloseTo(asFloats.results[index]?.relevance_score ?? Number.NaN, 5);
    }
    const sent = upstream.requests.filter((request) => request.path === "/v1/embeddings").at(-2);
    expect(sent?.body).toMatchObject({ input: [request.query, ...documents], encoding_format: "float" });
  });

  it("fails clearly when the embedder returns the wrong number of vectors", async () => {
    const short: EmbeddingResponse = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [1, 0] }],
      model: "m",
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
    const failed = rerankByEmbeddings(async () => short, { model: "m", query: "q", documents });
    await expect(failed).rejects.toBeInstanceOf(ProviderError);
    await expect(failed).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining("1 embeddings for 4 texts"),
    });
  });

  it("scores zero vectors and vectors of different lengths as 0", () => {
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(cosineSimilarity([1, 2], [1, 2, 3])).toBe(0);
    expect(cosineSimilarity([1, 0], [-1, 0])).toBe(-1);
  });
});
