import path from "node:path";
import { estimateTextTokens } from "@nexus/core";
import {
  createGateway,
  createLocalProvider,
  createOpenAICompatibleProvider,
  type Gateway,
  type LocalProvider,
  type ModelProvider,
} from "@nexus/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../gateway/src/testing/openai-test-server.ts";
import { testTokenize } from "../../../gateway/src/testing/vllm-test-routes.ts";
import { splitText } from "../chunkers/split-text.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import { startTestKnowledge, type TestKnowledge } from "../testing/test-knowledge.ts";

/**
 * Chunks counted in the embedding model's own tokens (issue 7). The chunkers cut by an estimate
 * (four characters a token); digits and CJK cost a llama tokenizer one token a character or
 * more, so chunks the estimate keeps under the size are over it in real tokens, and ingestion
 * must cut them again. Models: llama-2-tiny-random (a real SPM tokenizer, random weights) through
 * the local provider; the vLLM test double's `/tokenize`; an OpenAI-like server without one.
 */
const modelsDir = path.resolve(import.meta.dirname, "../../../../../shared/models");
const localModel = "local/llama-2-tiny-random";

/** Wind-tunnel log lines: digits make the real count about twice the estimate. */
const tunnelLog = Array.from(
  { length: 24 },
  (_, index) =>
    `Tunnel run ${48_213 + index * 7} recorded ${(0.731_59 + index / 1000).toFixed(5)} lift at ${(19.2547 + index).toFixed(4)} degrees.`,
).join(" ");
const flutterNotes = [
  "机翼颤振试验在高速风洞中进行，记录了升力和阻力。",
  "Flutter appears when the aerodynamic forces couple with the wing's elastic modes.",
  "颤振边界随马赫数变化，跨声速区域最为危险。",
].join("\n\n");

interface StoredChunk {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
}

describe("ingestion counts chunks in the embedding model's tokens", () => {
  let upstream: OpenAITestServer;
  let plainUpstream: OpenAITestServer;
  let providers: ModelProvider[];
  let local: LocalProvider;
  let gateway: Gateway;
  let knowledge: TestKnowledge;

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    plainUpstream = await startOpenAITestServer({ vllm: false });
    local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1 });
    providers = [
      local,
      createLocalProvider({ id: "tight", modelsDir, threads: 1, sequencesPerModel: 1, contextSize: 32 }),
      createOpenAICompatibleProvider({ id: "vllm", baseURL: upstream.baseURL }),
      createOpenAICompatibleProvider({ id: "plain", baseURL: plainUpstream.baseURL }),
    ];
    gateway = createGateway({ providers });
    knowledge = await startTestKnowledge("sqlite", { gateway });
  });
  afterAll(async () => {
    await knowledge?.close();
    await gateway?.close();
    await Promise.all(providers.map((provider) => provider.close?.()));
    await upstream?.close();
    await plainUpstream?.close();
  });

  const context = () => ({
    workspaceId: knowledge.workspaceId,
    apiKeyId: null,
    signal: AbortSignal.timeout(60_000),
  });

  async function ingest(base: string, embeddingModel: string, size: number, text: string) {
    await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
      name: base,
      embeddingModel,
      settings: { chunking: { strategy: "general", size, overlap: 0 } },
    });
    const { document } = await knowledge.service.addDocument(knowledge.workspaceId, base, {
      name: `${base}.txt`,
      data: Buffer.from(text),
      source: "text",
    });
    const ready = await knowledge.settle(document.id, undefined, 120_000);
    expect(ready.error).toBeNull();
    expect(ready.status).toBe("ready");
    const rows = await knowledge.store.db
      .selectFrom("knowledge_chunks")
      .select(["id", "content", "metadata"])
      .where("document_id", "=", document.id)
      .orderBy("position")
      .execute();
    return rows.map((row): StoredChunk => ({ ...row, metadata: JSON.parse(row.metadata) }));
  }

  const realCounts = async (model: string, texts: string[]) =>
    (await gateway.tokenize({ model, input: texts }, context())).counts;

  it("splits again what the estimate keeps under the size but the GGUF tokenizer counts over it", async () => {
    const text = `${tunnelLog}\n\n${flutterNotes}`;
    const byEstimate = splitText(text, 40, 0);
    for (const piece of byEstimate) expect(estimateTextTokens(piece)).toBeLessThanOrEqual(40);
    const estimateCounts = await realCounts(localModel, byEstimate);
    expect(Math.max(...estimateCounts)).toBeGreaterThan(60);

    const chunks = await ingest("gguf-counted", localModel, 40, text);
    expect(chunks.length).toBeGreaterThan(byEstimate.length);
    const counts = await realCounts(
      localModel,
      chunks.map((chunk) => chunk.content),
    );
    for (const [index, chunk] of chunks.entries()) {
      expect(counts[index], chunk.content).toBeLessThanOrEqual(40);
      expect(chunk.metadata.tokens).toBe(counts[index]);
      expect(chunk.metadata.tokensEstimated).toBeUndefined();
    }
    // Nothing lost or repeated in the re-cut (no overlap): the chunks are the text, less whitespace.
    const withoutSpace = (value: string) => value.replace(/\s+/g, "");
    expect(withoutSpace(chunks.map((chunk) => chunk.content).join(""))).toBe(withoutSpace(text));
    const { hits } = await knowledge.service.retrieve({
      workspaceId: knowledge.workspaceId,
      knowledgeBaseIds: ["gguf-counted"],
      query: "Flutter elastic modes",
      mode: "fulltext",
    });
    expect(hits[0]?.content).toContain("elastic modes");
  });

  it("keeps chunks within the model's own input limit, where the chunk size alone would overflow it", async () => {
    // The embedding context holds 32 tokens (31 per input): a 400-token chunk setting would fail every embedding.
    const chunks = await ingest("gguf-context", "tight/llama-2-tiny-random", 400, flutterNotes);
    const counts = await realCounts(
      "tight/llama-2-tiny-random",
      chunks.map((chunk) => chunk.content),
    );
    expect(Math.max(...counts)).toBeLessThanOrEqual(31);
    expect(chunks.map((chunk) => chunk.metadata.tokens)).toEqual(counts);
  });

  it("counts with vLLM's /tokenize and re-splits by its counts", async () => {
    const text = "Boundary layers on swept wings thicken towards the tip because of spanwise flow. ".repeat(
      12,
    );
    const byEstimate = splitText(text, 50, 0);
    expect(Math.max(...byEstimate.map((piece) => testTokenize(piece).length))).toBeGreaterThan(50);
    const before = upstream.requests.filter((request) => request.path === "/tokenize").length;

    const chunks = await ingest("vllm-counted", "vllm/test-embed", 50, text);
    expect(chunks.length).toBeGreaterThan(byEstimate.length);
    for (const chunk of chunks) {
      expect(testTokenize(chunk.content).length).toBeLessThanOrEqual(50);
      expect(chunk.metadata.tokens).toBe(testTokenize(chunk.content).length);
    }
    const tokenizeCalls = upstream.requests.filter((request) => request.path === "/tokenize").length - before;
    expect(tokenizeCalls).toBeGreaterThanOrEqual(chunks.length);
  });

  it("without a tokenizer upstream, keeps the estimate's chunks and says their counts are estimates", async () => {
    const text = `${tunnelLog}\n\n${flutterNotes}`;
    const chunks = await ingest("plain-estimated", "plain/test-embed", 40, text);
    expect(chunks.map((chunk) => chunk.content)).toEqual(splitText(text, 40, 0));
    for (const chunk of chunks) {
      expect(chunk.metadata).toMatchObject({
        tokens: estimateTextTokens(chunk.content),
        tokensEstimated: true,
      });
    }
    // The built-in embedder has no tokenizer either.
    const builtin = await ingest("builtin-estimated", "builtin", 40, flutterNotes);
    expect(builtin[0]?.metadata).toMatchObject({ tokensEstimated: true });
  });

  it("refuses a chunk edit over the size in real tokens and records the count of one within it", async () => {
    const [chunk] = await ingest(
      "gguf-edit",
      localModel,
      30,
      "Ice accretion on propeller blades changes their thrust.",
    );
    const tooLong = "Run 1234567890 at 0.98765 and 2468013579 at 0.13579.";
    expect(estimateTextTokens(tooLong)).toBeLessThanOrEqual(30);
    await expect(
      knowledge.service.updateChunk(knowledge.workspaceId, chunk?.id as string, tooLong),
    ).rejects.toMatchObject({ status: 400, param: "content" });
    const fits = "Rime ice on the leading edge.";
    await knowledge.service.updateChunk(knowledge.workspaceId, chunk?.id as string, fits);
    const row = await knowledge.store.db
      .selectFrom("knowledge_chunks")
      .select(["content", "metadata"])
      .where("id", "=", chunk?.id as string)
      .executeTakeFirstOrThrow();
    expect(row.content).toBe(fits);
    expect(JSON.parse(row.metadata).tokens).toBe((await realCounts(localModel, [fits]))[0]);
  });

  it("estimates as the gateway does when no tokenizer answers", () => {
    for (const text of ["wing flutter", "机翼颤振试验", "Mach 2 の衝撃波", tunnelLog]) {
      expect(estimateTextTokens(text)).toBe(estimateTextTokens(text));
    }
  });
});
