import {
  createApiKey,
  createLocalEventBus,
  createLogger,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
} from "@nexus/core";
import { expect, it } from "vitest";
import { freshStoreOptions } from "../../../../packages/core/src/testing/test-databases.ts";
import { Authenticator } from "./authenticator.ts";

it("records when each key was last used, written in a batch when flushed (here: on close)", async () => {
  const fresh = freshStoreOptions("sqlite");
  const store = await openStore(fresh.options);
  const events = createLocalEventBus();
  try {
    await ensureDefaultWorkspaces(store.db);
    const { id: workspaceId } = await getWorkspaceBySlug(store.db, "nexus-os");
    const used = await createApiKey(store.db, { workspaceId, role: "member" });
    const unused = await createApiKey(store.db, { workspaceId, role: "member" });
    const authenticator = new Authenticator(store, events, createLogger("silent"));
    await authenticator.start();

    const before = Date.now();
    expect(await authenticator.authenticateKey(used.key)).toMatchObject({ keyId: used.info.id });
    expect(authenticator.cachedKey(used.key)).toMatchObject({ keyId: used.info.id });
    const after = Date.now();
    expect(await authenticator.authenticateKey(`${used.key.slice(0, -1)}x`)).toBeNull();
    const lastUsed = async (id: string) =>
      (
        await store.db
          .selectFrom("api_keys")
          .select("last_used_at")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    expect(await lastUsed(used.info.id)).toBeNull();

    await authenticator.close();
    const recorded = await lastUsed(used.info.id);
    expect(recorded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(recorded ?? "")).toBeGreaterThanOrEqual(before);
    expect(Date.parse(recorded ?? "")).toBeLessThanOrEqual(after);
    expect(await lastUsed(unused.info.id)).toBeNull();
  } finally {
    await events.close();
    await store.close();
    await fresh.drop();
  }
});
