import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore, type Store } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../core/src/testing/test-databases.ts";
import { ActionCache, type CacheKey } from "./action-cache.ts";
import { getBrowserSettings, updateBrowserSettings } from "./browser-settings.ts";
import { TaskStore } from "./task-store.ts";

// The browser tables on both stores: the same code over SQLite and PostgreSQL.
for (const kind of ["sqlite", "postgres"] as const) {
  describe(`browser store on ${kind}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let workspaceId: string;
    let otherId: string;

    beforeAll(async () => {
      const database = freshStoreOptions(kind);
      drop = database.drop;
      store = await openStore(database.options);
      await ensureDefaultWorkspaces(store.db);
      workspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
      otherId = (await getWorkspaceBySlug(store.db, "agentx")).id;
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it("keeps settings per workspace, merging changes over the defaults", async () => {
      expect((await getBrowserSettings(store.db, workspaceId)).allowUrls).toEqual([]);
      await updateBrowserSettings(store.db, workspaceId, { allowUrls: ["127.0.0.1"] });
      const changed = await updateBrowserSettings(store.db, workspaceId, { maxSteps: 7 });
      expect(changed).toMatchObject({ allowUrls: ["127.0.0.1"], maxSteps: 7 });
      expect((await getBrowserSettings(store.db, otherId)).allowUrls).toEqual([]);
    });

    it("records, replaces (after healing) and counts hits of cached actions, per workspace", async () => {
      const cache = new ActionCache(store.db);
      const key: CacheKey = {
        workspaceId,
        kind: "act",
        instruction: "click Buy",
        shape: { urlPattern: "http://shop/items/*", domHash: "abc" },
        variableNames: ["b", "a"],
      };
      const step = (selector: string) => ({
        type: "action" as const,
        action: { selector, description: "Buy", method: "click", arguments: [] },
      });
      await cache.save(key, [step("xpath=/a")]);
      await cache.save({ ...key, variableNames: ["a", "b"] }, [step("xpath=/b")]);
      expect(await cache.lookup(key)).toEqual([step("xpath=/b")]);
      await cache.recordHit(key);
      const rows = await cache.list(workspaceId);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.hits).toBe(1);
      expect(await cache.lookup({ ...key, workspaceId: otherId })).toBeUndefined();
      expect(await cache.lookup({ ...key, shape: { ...key.shape, domHash: "other" } })).toBeUndefined();
      expect(await cache.clear(workspaceId)).toBe(1);
    });

    it("versions tasks and lists the latest of each", async () => {
      const tasks = new TaskStore(store.db);
      const definition = {
        startUrl: "http://x",
        variables: [],
        steps: [{ type: "goto" as const, url: "http://x" }],
      };
      const first = await tasks.create(workspaceId, { name: "A", definition });
      await tasks.update(workspaceId, first.id, { name: "A2", definition, schedule: "0 * * * *" });
      await tasks.create(workspaceId, { name: "B", definition });
      const listed = await tasks.list(workspaceId);
      expect(listed.map((task) => [task.name, task.version]).sort()).toEqual([
        ["A2", 2],
        ["B", 1],
      ]);
      expect((await tasks.get(workspaceId, first.id, 1)).name).toBe("A");
      expect((await tasks.scheduled()).map((task) => task.id)).toEqual([first.id]);
      await expect(tasks.get(otherId, first.id)).rejects.toMatchObject({ status: 404 });
      await tasks.delete(workspaceId, first.id);
      expect(await tasks.list(workspaceId)).toHaveLength(1);
    });
  });
}
