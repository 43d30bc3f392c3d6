/**
 * Ingestion throughput and freshness (issue 7), on SQLite with the in-process queue and the
 * built-in embedder:
 * - throughput: 1,000 three-page PDFs (Cranfield abstracts as pages) pushed at once, until all
 *   are searchable: documents/s, pages/s, chunks/s;
 * - freshness: a one-page file in a watched folder changed 20 times; time from the write to the
 *   new text being found by search (p50, p95).
 * Run: npx tsx bench/knowledge-ingestion.ts [documents]
 */
import fs from "node:fs";
import path from "node:path";
import { createKnowledgeBase, watchFolder } from "@nexus/knowledge";
import { tempDir } from "../packages/core/src/testing/test-databases.ts";
import { makePdf } from "../packages/knowledge/src/testing/test-files.ts";
import { startTestKnowledge } from "../packages/knowledge/src/testing/test-knowledge.ts";
import { loadCranfield } from "./knowledge-cranfield.ts";

const count = Number(process.argv[2] ?? 1000);
const collection = loadCranfield();
const pagesPerDocument = 3;
const knowledge = await startTestKnowledge("sqlite");
const folder = tempDir("nexus-bench-watch-");
try {
  await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, { name: "bench" });
  const files = Array.from({ length: count }, (_, index) =>
    makePdf(
      Array.from({ length: pagesPerDocument }, (_, page) => {
        const document =
          collection.documents[(index * pagesPerDocument + page) % collection.documents.length];
        // One PDF text line per page; a real page has more, so pages/s here is an upper bound on layout work.
        return `${index}-${page} ${document?.text.replace(/\s+/g, " ").slice(0, 1500)}`;
      }),
    ),
  );
  const started = performance.now();
  const ids: string[] = [];
  for (const [index, data] of files.entries()) {
    ids.push(
      (
        await knowledge.service.addDocument(knowledge.workspaceId, "bench", {
          name: `paper-${index}.pdf`,
          data,
          source: "file",
        })
      ).document.id,
    );
  }
  let chunks = 0;
  let failed = 0;
  for (const id of ids) {
    const document = await knowledge.settle(id, undefined, 600_000);
    chunks += document.chunkCount;
    if (document.status !== "ready") failed++;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`| documents | pages | chunks | seconds | documents/s | pages/s | chunks/s | failed |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  console.log(
    `| ${count} | ${count * pagesPerDocument} | ${chunks} | ${seconds.toFixed(1)} | ${(count / seconds).toFixed(1)} | ${((count * pagesPerDocument) / seconds).toFixed(1)} | ${(chunks / seconds).toFixed(1)} | ${failed} |`,
  );

  await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, { name: "fresh" });
  const watched = watchFolder({
    service: knowledge.service,
    workspaceId: knowledge.workspaceId,
    knowledgeBase: "fresh",
    folder: folder.dir,
    debounceMs: 50,
  });
  await watched.ready;
  const lags: number[] = [];
  const file = path.join(folder.dir, "page.md");
  for (let round = 0; round < 20; round++) {
    const marker = `freshness${round}marker`;
    const begin = performance.now();
    fs.writeFileSync(file, `# Page\n\n${collection.documents[round]?.text ?? ""}\n\n${marker}`);
    for (;;) {
      const { hits } = await knowledge.service.retrieve({
        workspaceId: knowledge.workspaceId,
        knowledgeBaseIds: ["fresh"],
        query: marker,
        mode: "fulltext",
        topK: 1,
      });
      if (hits.length > 0) break;
      if (performance.now() - begin > 30_000) throw new Error(`round ${round}: not searchable after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    lags.push(performance.now() - begin);
  }
  watched.close();
  lags.sort((a, b) => a - b);
  const at = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]?.toFixed(0);
  console.log(
    `\nfreshness (watched folder, one-page file, 20 changes): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (50 ms debounce included)`,
  );
} finally {
  await knowledge.close();
  folder.cleanup();
}
