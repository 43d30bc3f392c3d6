import { spawn } from "node:child_process";
import path from "node:path";
import {
  createEventBus,
  createQueue,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
} from "@nexus/core";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import { createKnowledgeService } from "../knowledge-service.ts";
import { getDocument } from "../store/document-store.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";

const fixture = path.join(import.meta.dirname, "..", "__fixtures__", "ingest-then-die.ts");
const repositoryRoot = path.resolve(import.meta.dirname, "../../../..");

/** Many short paragraphs: many chunks, so the crash lands in the middle of embedding them. */
const manyParagraphs = (word: string) =>
  Array.from({ length: 2000 }, (_, index) => `Paragraph ${index} mentions ${word} and gust loads.`).join(
    "\n\n",
  );

describe("a server killed while indexing a new version", () => {
  it("keeps the old version whole and searchable; the job runs again and swaps in the new one", {
    timeout: 60_000,
  }, async () => {
    const { dir, cleanup } = tempDir("nexus-kb-crash-");
    const file = path.join(dir, "nexus.db");
    try {
      const store = await openStore({ kind: "sqlite", file });
      await ensureDefaultWorkspaces(store.db);
      const workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
      await createKnowledgeBase(store.db, workspaceId, {
        name: "crash",
        settings: { chunking: { size: 20, overlap: 0 } },
      });
      const events = await createEventBus();
      // Version 1, indexed by this process.
      let queue = await createQueue({ store, leaseMs: 1000, pollIntervalMs: 20, onError: () => {} });
      let service = await createKnowledgeService({ store, queue, events });
      service.start();
      const source = { name: "manual.txt", source: "folder", sourceUri: "/manual.txt" };
      const { document } = await service.addDocument(workspaceId, "crash", {
        ...source,
        data: Buffer.from(manyParagraphs("ailerons")),
      });
      const settle = async (status: string, version: number) => {
        for (let tries = 0; tries < 1500; tries++) {
          const current = await getDocument(store.db, workspaceId, document.id);
          if (current.status === status && current.version === version) return current;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error(`document never reached ${status} v${version}`);
      };
      const first = await settle("ready", 1);
      await queue.close(2000);
      await service.close();
      const search = (word: string) =>
        service.retrieve({
          workspaceId,
          knowledgeBaseIds: ["crash"],
          query: word,
          mode: "fulltext",
          topK: 1,
        });

      // Version 2 is queued; another process takes the job and dies mid-embedding.
      queue = await createQueue({ store, leaseMs: 1000, pollIntervalMs: 20, onError: () => {} });
      service = await createKnowledgeService({ store, queue, events });
      await service.addDocument(workspaceId, "crash", {
        ...source,
        data: Buffer.from(manyParagraphs("spoilers")),
      });
      const child = spawn(process.execPath, ["--import", "tsx", fixture, file], {
        cwd: repositoryRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("close", (_code, killedBy) => resolve(killedBy)),
      );
      expect(signal, output).toBe("SIGKILL");
      expect(output).toContain('"chunksDone":64');

      const afterCrash = await getDocument(store.db, workspaceId, document.id);
      expect(afterCrash.version).toBe(1);
      expect(afterCrash.chunkCount).toBe(first.chunkCount);
      expect((await search("ailerons")).hits).toHaveLength(1);
      expect((await search("spoilers")).hits).toHaveLength(0);

      // A surviving worker takes the job once its lease lapses and indexes version 2.
      service.start();
      await settle("ready", 2);
      expect((await search("spoilers")).hits).toHaveLength(1);
      expect((await search("ailerons")).hits).toHaveLength(0);
      await queue.close(2000);
      await service.close();
      await events.close();
      await store.close();
    } finally {
      cleanup();
    }
  });
});
