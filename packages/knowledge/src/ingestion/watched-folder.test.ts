import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import { startTestKnowledge, type TestKnowledge } from "../testing/test-knowledge.ts";
import { watchFolder } from "./watched-folder.ts";

describe("watched folder", () => {
  let knowledge: TestKnowledge;
  let folder: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    knowledge = await startTestKnowledge("sqlite");
    await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, { name: "notes" });
    folder = tempDir("nexus-watch-");
  });
  afterAll(async () => {
    await knowledge?.close();
    folder?.cleanup();
  });

  const hits = async (query: string) =>
    (
      await knowledge.service.retrieve({
        workspaceId: knowledge.workspaceId,
        knowledgeBaseIds: ["notes"],
        query,
        mode: "fulltext",
      })
    ).hits;

  /** Milliseconds until `query` finds (or, with `present` false, no longer finds) `file`'s text. */
  async function timeUntil(query: string, present: boolean, started: number): Promise<number> {
    for (;;) {
      const found = (await hits(query)).length > 0;
      if (found === present) return Date.now() - started;
      if (Date.now() - started > 10_000)
        throw new Error(`'${query}' still ${present ? "missing" : "found"} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("makes new, changed and removed files searchable (or not) within 2 s", async () => {
    fs.writeFileSync(path.join(folder.dir, "existing.md"), "# Existing\n\nPrandtl number of liquid metals.");
    const watched = watchFolder({
      service: knowledge.service,
      workspaceId: knowledge.workspaceId,
      knowledgeBase: "notes",
      folder: folder.dir,
      debounceMs: 50,
    });
    try {
      await watched.ready;
      expect(await timeUntil("prandtl liquid metals", true, Date.now())).toBeLessThan(2000);

      const file = path.join(folder.dir, "sub", "page.txt");
      fs.mkdirSync(path.dirname(file));
      const lags: number[] = [];
      for (let round = 0; round < 5; round++) {
        const started = Date.now();
        fs.writeFileSync(
          file,
          `Round ${round}: the shock tube experiment number${round} measured reflected waves.`,
        );
        lags.push(await timeUntil(`number${round}`, true, started));
      }
      lags.sort((a, b) => a - b);
      expect(lags.at(-1)).toBeLessThan(2000);
      // The file's earlier versions are gone from results.
      expect(await hits("number0")).toHaveLength(0);

      const removedAt = Date.now();
      fs.rmSync(file);
      expect(await timeUntil("number4", false, removedAt)).toBeLessThan(2000);
      fs.writeFileSync(path.join(folder.dir, ".hidden.txt"), "secret hidden words");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await hits("secret hidden")).toHaveLength(0);
    } finally {
      watched.close();
    }
  });
});
