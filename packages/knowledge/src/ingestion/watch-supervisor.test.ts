import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import { createKnowledgeBase } from "../store/knowledge-base-store.ts";
import { createWatch, deleteWatch, listWatches } from "../store/watch-store.ts";
import { startTestKnowledge, type TestKnowledge } from "../testing/test-knowledge.ts";
import { createWatchSupervisor } from "./watch-supervisor.ts";

describe.each(["sqlite", "postgres"] as const)(
  "watch supervisor on %s: one process per watched folder",
  (kind) => {
    let knowledge: TestKnowledge;
    const folder = tempDir("nexus-lease-");
    beforeAll(async () => {
      knowledge = await startTestKnowledge(kind);
      await createKnowledgeBase(knowledge.store.db, knowledge.workspaceId, { name: "leased" });
      fs.writeFileSync(path.join(folder.dir, "note.txt"), "Lease notes about the capybara meadow.");
    });
    afterAll(async () => {
      await knowledge?.close();
      folder.cleanup();
    });

    const supervisor = (ownerId: string) =>
      createWatchSupervisor({ db: knowledge.store.db, service: knowledge.service, ownerId, leaseMs: 300 });
    const owners = async () =>
      (await listWatches(knowledge.store.db, knowledge.workspaceId, "leased")).map((watch) => watch.ownerId);

    it("lets one process hold a watch, hands it over when its lease lapses, and stops a deleted one", async () => {
      const { db } = knowledge.store;
      const watch = await createWatch(db, knowledge.workspaceId, "leased", { folder: folder.dir });
      const a = supervisor("process-a");
      const b = supervisor("process-b");
      try {
        await a.check();
        await b.check();
        expect(a.watching()).toEqual([watch.id]);
        expect(b.watching()).toEqual([]);
        expect(await owners()).toEqual(["process-a"]);
        await a.ready(watch.id);

        // A stops renewing (as a process that hangs or died would): B takes over once the lease lapses.
        await new Promise((resolve) => setTimeout(resolve, 400));
        await b.check();
        expect(b.watching()).toEqual([watch.id]);
        await a.check();
        expect(a.watching()).toEqual([]);
        expect(await owners()).toEqual(["process-b"]);

        // A clean stop gives the lease up at once.
        await b.close();
        expect(await owners()).toEqual([null]);
        await a.check();
        expect(a.watching()).toEqual([watch.id]);

        await deleteWatch(db, knowledge.workspaceId, "leased", watch.id);
        await a.check();
        expect(a.watching()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("leaves a watch whose folder this process cannot see to one that can", async () => {
      const { db } = knowledge.store;
      const gone = path.join(folder.dir, "gone");
      fs.mkdirSync(gone);
      const watch = await createWatch(db, knowledge.workspaceId, "leased", { folder: gone });
      fs.rmSync(gone, { recursive: true });
      const c = supervisor("process-c");
      try {
        await c.check();
        expect(c.watching()).toEqual([]);
        expect(await owners()).toEqual([null]);
      } finally {
        await c.close();
        await deleteWatch(db, knowledge.workspaceId, "leased", watch.id);
      }
    });
  },
);
