/**
 * A small change to a large knowledge base (issue 7, real-time bases): how long until searches use
 * the in-memory index again, and how slow they are meanwhile. On the 100,000-chunk SQLite base of
 * bench/knowledge-search-latency.ts (KNOWLEDGE_BENCH_DB=<file>, written there first), each round
 * adds a one-page document (5 chunks), edits one of its chunks, then removes it. After each change:
 *  - catch-up: from the commit until a second in-memory index on the same database (another
 *    replica: its own `createMemoryIndex`) answers a full-text search from memory with the change
 *    in it (before: a full reload, in the background; after: the change log);
 *  - the first 20 hybrid searches through the service (its own index, a second copy) right after
 *    the change: their p50/p99 (then the service's copy is brought up to date before the next
 *    change, so two full loads never overlap in this one process).
 * The database is left at the same chunk count (every added document is removed again).
 * Run: KNOWLEDGE_BENCH_DB=/tmp/kprof/nexus-100000.db npx tsx bench/knowledge-index-catch-up.ts [rounds]
 */

import fs from "node:fs";
import {
  createEventBus,
  createQueue,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  newId,
  openStore,
} from "@nexus/core";
import { createBuiltinEmbedder, createKnowledgeService, type NewChunk } from "@nexus/knowledge";
import { createMemoryIndex } from "../packages/knowledge/src/index/memory-index.ts";
import { loadCranfield } from "./knowledge-cranfield.ts";

const rounds = Number(process.argv[2] ?? 4);
const file = process.env.KNOWLEDGE_BENCH_DB;
if (!file || !fs.existsSync(file))
  throw new Error("set KNOWLEDGE_BENCH_DB to a base written by bench/knowledge-search-latency.ts");
const store = await openStore({ kind: "sqlite", file });
await ensureDefaultWorkspaces(store.db);
const queue = await createQueue({ store, pollIntervalMs: 50, onError: () => {} });
const events = await createEventBus();
const service = await createKnowledgeService({ store, queue, events });
const workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
const embedder = createBuiltinEmbedder();
const collection = loadCranfield();
const words = collection.documents.flatMap((document) => document.text.split(/\s+/)).filter(Boolean);
const queries = collection.queries.slice(0, 40).map((query) => query.text);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ] as number;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const base = await store.db
    .selectFrom("knowledge_bases")
    .select(["id", "chunk_count"])
    .where("name", "=", "latency")
    .executeTakeFirstOrThrow();
  const scope = { knowledgeBaseId: base.id };
  const replica = createMemoryIndex(store.db, { text: true });
  const started = performance.now();
  await replica.warm(base.id);
  const fullLoad = performance.now() - started;
  await service.index.warm(base.id);

  const catchUps: Record<string, number[]> = { add: [], edit: [], remove: [] };
  const afterChange: number[] = [];
  /** Waits until the replica answers `marker` from memory and `expect(hits)` holds; returns the ms. */
  async function caughtUp(marker: string, expect: (found: boolean) => boolean): Promise<number> {
    const begin = performance.now();
    for (;;) {
      const hits = await replica.searchText(scope, marker, 5);
      if (hits && expect(hits.length > 0)) return performance.now() - begin;
      await sleep(2);
    }
  }
  async function searchesRightAfter() {
    for (let index = 0; index < 20; index++) {
      const begin = performance.now();
      await service.retrieve({
        workspaceId,
        knowledgeBaseIds: [base.id],
        query: queries[(afterChange.length + index) % queries.length] as string,
        mode: "hybrid",
        topK: 10,
      });
      afterChange.push(performance.now() - begin);
    }
    // Its copy current again before the next change (a full load would otherwise overlap the
    // replica's next one in this single process; each replica is its own process in production).
    await service.index.warm(base.id);
  }
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < rounds; round++) {
    const marker = `zqxmarker${round}`;
    const documentId = newId("doc");
    const now = new Date().toISOString();
    const chunks: NewChunk[] = Array.from({ length: 5 }, (_, position) => {
      const from = Math.floor(random() * (words.length - 120));
      const content = `${marker} ${words.slice(from, from + 100).join(" ")}`;
      return {
        ...{ id: newId("chunk"), knowledgeBaseId: base.id, workspaceId, documentId, position, content },
        ...{ contentHash: `${round}:${position}`, parentContent: null, page: 1, metadata: {} },
        embedding: embedder.embed(content),
      };
    });
    await store.db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("knowledge_documents")
        .values({
          ...{ id: documentId, knowledge_base_id: base.id, workspace_id: workspaceId, name: marker },
          ...{
            source: "text",
            source_uri: null,
            mime_type: "text/plain",
            size_bytes: 0,
            content_hash: marker,
          },
          ...{ status: "ready", error: null, version: 1, progress: "{}", metadata: "{}", parsed_text: null },
          ...{ chunk_count: 5, changed_at: now, indexed_at: now, created_at: now, updated_at: now },
        })
        .execute();
      await service.index.insert(transaction, chunks);
    });
    catchUps.add?.push(await caughtUp(marker, (found) => found));
    await searchesRightAfter();

    // An edit: the chunk removed and written again (as updateChunk does), the marker gone from it.
    const keys = await store.db
      .selectFrom("knowledge_chunks")
      .select("key")
      .where("document_id", "=", documentId)
      .orderBy("key")
      .execute();
    const edited = {
      ...(chunks[0] as NewChunk),
      content: `zqxedited${round} ${(chunks[0] as NewChunk).content}`,
    };
    await store.db.transaction().execute(async (transaction) => {
      await service.index.remove(transaction, base.id, [Number(keys[0]?.key)]);
      await service.index.insert(transaction, [edited]);
    });
    catchUps.edit?.push(await caughtUp(`zqxedited${round}`, (found) => found));
    await searchesRightAfter();

    const all = await store.db
      .selectFrom("knowledge_chunks")
      .select("key")
      .where("document_id", "=", documentId)
      .execute();
    await store.db.transaction().execute(async (transaction) => {
      await service.index.remove(
        transaction,
        base.id,
        all.map((row) => Number(row.key)),
      );
      await transaction.deleteFrom("knowledge_documents").where("id", "=", documentId).execute();
    });
    catchUps.remove?.push(await caughtUp(marker, (found) => !found));
    await searchesRightAfter();
  }
  const steady: number[] = [];
  for (const query of queries) {
    const begin = performance.now();
    await service.retrieve({ workspaceId, knowledgeBaseIds: [base.id], query, mode: "hybrid", topK: 10 });
    steady.push(performance.now() - begin);
  }
  const format = (values: number[]) =>
    `${values.map((value) => value.toFixed(1)).join(", ")} ms (median ${percentile(values, 50).toFixed(1)} ms)`;
  console.log(
    `\n${base.chunk_count} chunks; full load of a replica's in-memory copy: ${(fullLoad / 1000).toFixed(2)} s`,
  );
  for (const [change, values] of Object.entries(catchUps))
    console.log(`change → replica searches from memory with it, ${change}: ${format(values)}`);
  console.log(
    `hybrid searches right after a change (first 20 after each of ${rounds * 3}): p50 ${percentile(afterChange, 50).toFixed(1)} ms, p99 ${percentile(afterChange, 99).toFixed(1)} ms`,
  );
  console.log(
    `hybrid searches with no change: p50 ${percentile(steady, 50).toFixed(1)} ms, p99 ${percentile(steady, 99).toFixed(1)} ms`,
  );
} finally {
  await queue.close(2000);
  await service.close();
  await events.close();
  await store.close();
}
