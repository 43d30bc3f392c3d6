import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RerankRequest } from "../protocol/rerank.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProvider,
} from "./openai-compatible-provider.ts";

let vllm: OpenAITestServer;
let openai: OpenAITestServer;
let provider: OpenAICompatibleProvider;
beforeAll(async () => {
  vllm = await startOpenAITestServer();
  openai = await startOpenAITestServer({ vllm: false });
  provider = createOpenAICompatibleProvider({ id: "vllm", baseURL: vllm.baseURL });
});
afterAll(async () => {
  await provider.close();
  await Promise.all([vllm.close(), openai.close()]);
});

const call = (model = "test-chat") => ({ model, signal: new AbortController().signal });
const documents = ["Bananas are yellow.", "Paris is the capital of France.", "France borders Spain."];
const request = (extra: Partial<RerankRequest> = {}): RerankRequest => ({
  model: "client-alias",
  query: "What is the capital of France?",
  documents,
  ...extra,
});

describe("openai-compatible provider: rerank", () => {
  it("posts to <baseURL>/rerank with the upstream's model and the client's extras", async () => {
    const ranked = await provider.doRerank(request({ truncate_prompt_tokens: 64 } as never), call());
    expect(vllm.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/v1/rerank",
      body: {
        model: "test-chat",
        query: "What is the capital of France?",
        documents,
        truncate_prompt_tokens: 64,
      },
    });
    // The double scores the share of query words in each document.
    expect(ranked.results.map((result) => result.index)).toEqual([1, 2, 0]);
    expect(ranked.results[0]).toEqual({
      index: 1,
      relevance_score: 5 / 6,
      document: { text: "Paris is the capital of France." },
    });
    expect(ranked).toMatchObject({ model: "test-chat", id: expect.stringMatching(/^rerank-/) });
    expect(ranked.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("honours top_n, {text} documents and return_documents: false", async () => {
    const ranked = await provider.doRerank(
      request({ documents: documents.map((text) => ({ text })), top_n: 2, return_documents: false }),
      call(),
    );
    expect(ranked.results).toEqual([
      { index: 1, relevance_score: 5 / 6 },
      { index: 2, relevance_score: 1 / 6 },
    ]);
  });

  it("says clearly when the upstream has no rerank endpoint", async () => {
    const plain = createOpenAICompatibleProvider({ id: "openai", baseURL: openai.baseURL });
    const failed = plain.doRerank(request(), call());
    await expect(failed).rejects.toMatchObject({
      status: 400,
      retryable: false,
      options: { code: "rerank_not_supported", type: "invalid_request_error" },
      message: expect.stringContaining("Upstream 'openai' has no rerank endpoint"),
    });
    await plain.close();
  });

  it("passes an unknown model's 404 and a 429 on as such", async () => {
    await expect(provider.doRerank(request(), call("no-such-reranker"))).rejects.toMatchObject({
      status: 404,
      options: { code: "model_not_found" },
    });
    await expect(provider.doRerank(request(), call("test-rate-limited"))).rejects.toMatchObject({
      status: 429,
      retryable: true,
      options: { retryAfterSeconds: 7 },
    });
  });

  it("rejects an upstream answer that is not a ranking of the documents sent", async () => {
    const answers = [{ results: [{ index: 3, relevance_score: 1 }] }, { data: [] }];
    const odd = http.createServer((incoming, response) => {
      incoming.resume();
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(answers.shift()));
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    const { port } = odd.address() as AddressInfo;
    const oddProvider = createOpenAICompatibleProvider({ id: "odd", baseURL: `http://127.0.0.1:${port}/v1` });
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(oddProvider.doRerank(request(), call())).rejects.toMatchObject({
        status: 502,
        options: { code: "upstream_invalid_response" },
      });
    }
    await oddProvider.close();
    odd.closeAllConnections();
    await new Promise((resolve) => odd.close(resolve));
  });
});
