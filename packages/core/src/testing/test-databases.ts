import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openStore, type Store, type StoreOptions } from "../store/database.ts";
import { ensureDefaultWorkspaces } from "../workspaces/workspaces.ts";

/** The machine's PostgreSQL used by tests; each test gets its own schema so runs never collide. */
export const testPostgresUrl =
  process.env.NEXUS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const testRedisUrl = process.env.NEXUS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = "nexus-test-"): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Store options for a brand-new database of the given kind, and a function that drops it. */
export function freshStoreOptions(kind: "sqlite" | "postgres"): {
  options: StoreOptions;
  drop: () => Promise<void>;
} {
  if (kind === "sqlite") {
    const { dir, cleanup } = tempDir();
    return { options: { kind: "sqlite", file: path.join(dir, "nexus.db") }, drop: async () => cleanup() };
  }
  const schema = uniqueName("t").toLowerCase();
  return {
    options: { kind: "postgres", url: testPostgresUrl, schema, poolSize: 4 },
    drop: async () => {
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A brand-new store of the given kind with the default workspaces; `close` closes it and drops its database. */
export async function openFreshStore(
  kind: "sqlite" | "postgres",
): Promise<{ store: Store; close: () => Promise<void> }> {
  const fresh = freshStoreOptions(kind);
  const store = await openStore(fresh.options);
  await ensureDefaultWorkspaces(store.db);
  return {
    store,
    close: async () => {
      await store.close();
      await fresh.drop();
    },
  };
}
