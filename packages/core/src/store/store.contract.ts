import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NexusError } from "../errors.ts";
import {
  createApiKey,
  findActiveKeyByHash,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKeys,
} from "../workspaces/api-keys.ts";
import { createWebSession, deleteWebSession, findWebSession } from "../workspaces/web-sessions.ts";
import {
  defaultWorkspaces,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  listWorkspaces,
} from "../workspaces/workspaces.ts";
import { openStore, type Store, type StoreOptions } from "./database.ts";

/** The behaviour every store (SQLite, PostgreSQL) must show. */
export function runStoreContract(
  name: string,
  fresh: () => { options: StoreOptions; drop: () => Promise<void> },
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let options: StoreOptions;
    let drop: () => Promise<void>;

    beforeEach(async () => {
      ({ options, drop } = fresh());
      store = await openStore(options);
      await ensureDefaultWorkspaces(store.db);
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    it("migrates once: reopening and concurrent opens keep one schema and the data", async () => {
      const workspace = await getWorkspaceBySlug(store.db, "agentx");
      const [a, b] = await Promise.all([openStore(options), openStore(options)]);
      const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(a.db);
      expect(migrations.rows.map((row) => row.name)).toContain("0001-workspaces-and-keys");
      expect(new Set(migrations.rows.map((row) => row.name)).size).toBe(migrations.rows.length);
      expect((await getWorkspaceBySlug(b.db, "agentx")).id).toBe(workspace.id);
      await Promise.all([a.close(), b.close()]);
    });

    it("seeds the four sites once, however often it runs", async () => {
      await ensureDefaultWorkspaces(store.db);
      await Promise.all([ensureDefaultWorkspaces(store.db), ensureDefaultWorkspaces(store.db)]);
      const slugs = (await listWorkspaces(store.db)).map((workspace) => workspace.slug).sort();
      expect(slugs).toEqual(defaultWorkspaces.map((workspace) => workspace.slug).sort());
    });

    it("stores only a hash of each key and finds the key by it", async () => {
      const workspace = await getWorkspaceBySlug(store.db, "agentx");
      const { key, info } = await createApiKey(store.db, {
        workspaceId: workspace.id,
        role: "admin",
        name: "ci",
      });
      expect(key).toMatch(/^nx_[A-Za-z0-9_-]{43}$/);
      const rows = await store.db.selectFrom("api_keys").selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(key);
      expect(rows[0]?.key_hash).toBe(hashApiKey(key));
      const found = await findActiveKeyByHash(store.db, hashApiKey(key));
      expect(found).toMatchObject({ keyId: info.id, role: "admin", workspaceSlug: "agentx" });
    });

    it("keeps keys apart by workspace: listing and revoking never cross", async () => {
      const agentx = await getWorkspaceBySlug(store.db, "agentx");
      const learns = await getWorkspaceBySlug(store.db, "azi-learns-ai");
      const a = await createApiKey(store.db, { workspaceId: agentx.id, role: "owner" });
      await createApiKey(store.db, { workspaceId: learns.id, role: "member" });
      expect((await listApiKeys(store.db, agentx.id)).map((key) => key.id)).toEqual([a.info.id]);
      await expect(revokeApiKey(store.db, learns.id, a.info.id)).rejects.toBeInstanceOf(NexusError);
      expect(await findActiveKeyByHash(store.db, hashApiKey(a.key))).toBeDefined();
    });

    it("revokes a key: it stops authenticating, its sessions end, and it lists only with revoked ones", async () => {
      const workspace = await getWorkspaceBySlug(store.db, "nexus-os");
      const { key, info } = await createApiKey(store.db, { workspaceId: workspace.id, role: "member" });
      const session = await createWebSession(store.db, {
        workspaceId: workspace.id,
        role: "member",
        apiKeyId: info.id,
      });
      await revokeApiKey(store.db, workspace.id, info.id);
      expect(await findActiveKeyByHash(store.db, hashApiKey(key))).toBeUndefined();
      expect(await findWebSession(store.db, session.token)).toBeUndefined();
      expect(await listApiKeys(store.db, workspace.id)).toHaveLength(0);
      const all = await listApiKeys(store.db, workspace.id, { includeRevoked: true });
      expect(all[0]?.revoked_at).not.toBeNull();
      await expect(revokeApiKey(store.db, workspace.id, info.id)).rejects.toThrow(/not found/);
    });

    it("records last use in a batch", async () => {
      const workspace = await getWorkspaceBySlug(store.db, "nexus-os");
      const { info } = await createApiKey(store.db, { workspaceId: workspace.id, role: "member" });
      const at = new Date().toISOString();
      await touchApiKeys(store.db, new Map([[info.id, at]]));
      expect((await listApiKeys(store.db, workspace.id))[0]?.last_used_at).toBe(at);
    });

    it("finds live web sessions and forgets ended ones", async () => {
      const workspace = await getWorkspaceBySlug(store.db, "ai-workflow");
      const { token } = await createWebSession(store.db, {
        workspaceId: workspace.id,
        role: "owner",
        apiKeyId: null,
      });
      expect(await findWebSession(store.db, token)).toMatchObject({
        workspaceSlug: "ai-workflow",
        role: "owner",
      });
      expect(await findWebSession(store.db, `${token}x`)).toBeUndefined();
      await deleteWebSession(store.db, token);
      expect(await findWebSession(store.db, token)).toBeUndefined();
    });

    it("rejects a duplicate workspace slug and hostile input stays data", async () => {
      const hostile = "x'); drop table workspaces; --";
      await expect(getWorkspaceBySlug(store.db, hostile)).rejects.toThrow(/not found/);
      await expect(
        store.db
          .insertInto("workspaces")
          .values({
            id: "ws_dup",
            slug: "agentx",
            name: "dup",
            description: "",
            created_at: new Date().toISOString(),
          })
          .execute(),
      ).rejects.toThrow();
      expect(await listWorkspaces(store.db)).toHaveLength(4);
    });

    it("ping answers while open and fails once closed", async () => {
      await store.ping();
      const other = await openStore(options);
      await other.close();
      await expect(other.ping()).rejects.toThrow();
    });
  });
}
