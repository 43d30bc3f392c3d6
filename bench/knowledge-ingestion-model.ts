/**
 * Ingestion with a model embedder (issue 7: chunks counted in the embedding model's tokens): N
 * one-page documents through the gateway's local GGUF provider (llama-2-tiny-random, a real
 * tokenizer with random weights), timed from push to all searchable. SQLite, in-process queue.
 * Run: npx tsx bench/knowledge-ingestion-model.ts [documents] [chunk size]
 */
import path from "node:path";
import { createGateway, createLocalProvider } from "@nexus/gateway";
import { createKnowledgeBase } from "@nexus/knowledge";
import { startTestKnowledge } from "../packages/knowledge/src/testing/test-knowledge.ts";
import { loadCranfield } from "./knowledge-cranfield.ts";

const count = Number(process.argv[2] ?? 200);
const size = Number(process.argv[3] ?? 100);
const collection = loadCranfield();
const modelsDir = path.resolve(import.meta.dirname, "../../shared/models");
const local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1 });
const gateway = createGateway({ providers: [local] });
const knowledge = await startTestKnowledge("sqlite", { gateway });
try {
  await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, {
    name: "bench",
    embeddingModel: "local/llama-2-tiny-random",
    settings: { chunking: { strategy: "general", size, overlap: 0 } },
  });
  // Load the model before timing.
  await gateway.embed(
    { model: "local/llama-2-tiny-random", input: ["warm up"] },
    { workspaceId: knowledge.workspaceId, apiKeyId: null, signal: AbortSignal.timeout(60_000) },
  );
  const started = performance.now();
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const document = collection.documents[index % collection.documents.length];
    const { document: stored } = await knowledge.service.addDocument(knowledge.workspaceId, "bench", {
      name: `paper-${index}.txt`,
      data: Buffer.from(`${index} ${document?.text ?? ""}`),
      source: "text",
    });
    ids.push(stored.id);
  }
  let chunks = 0;
  let failed = 0;
  for (const id of ids) {
    const document = await knowledge.settle(id, undefined, 600_000);
    chunks += document.chunkCount;
    if (document.status !== "ready") failed++;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`| documents | chunk size | chunks | seconds | documents/s | chunks/s | failed |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
  console.log(
    `| ${count} | ${size} | ${chunks} | ${seconds.toFixed(2)} | ${(count / seconds).toFixed(1)} | ${(chunks / seconds).toFixed(1)} | ${failed} |`,
  );
} finally {
  await knowledge.close();
  await gateway.close();
  await local.close();
}
