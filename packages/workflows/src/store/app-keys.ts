import { randomBytes } from "node:crypto";
import { type Database, hashApiKey, newId } from "@nexus/core";
import type { Kysely } from "kysely";

/** Dify's app key form: `app-` and random text. */
export const appKeyPattern = /^app-[A-Za-z0-9_-]{16,128}$/;

/** A new key for a workflow's app API, returned in clear once; only its hash is stored. */
export async function createAppKey(
  db: Kysely<Database>,
  workspaceId: string,
  workflowId: string,
): Promise<{ id: string; key: string; prefix: string; createdAt: string }> {
  const key = `app-${randomBytes(24).toString("base64url")}`;
  const id = newId("wfkey");
  const createdAt = new Date().toISOString();
  const prefix = key.slice(0, 10);
  await db
    .insertInto("workflow_app_keys")
    .values({
      id,
      workspace_id: workspaceId,
      workflow_id: workflowId,
      key_hash: hashApiKey(key),
      key_prefix: prefix,
      created_at: createdAt,
      revoked_at: null,
    })
    .execute();
  return { id, key, prefix, createdAt };
}

/** The workflow an app key opens, or undefined when the key is unknown or revoked. */
export async function findAppKey(
  db: Kysely<Database>,
  key: string,
): Promise<{ id: string; workspaceId: string; workflowId: string } | undefined> {
  if (!appKeyPattern.test(key)) return undefined;
  const row = await db
    .selectFrom("workflow_app_keys")
    .select(["id", "workspace_id", "workflow_id"])
    .where("key_hash", "=", hashApiKey(key))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row ? { id: row.id, workspaceId: row.workspace_id, workflowId: row.workflow_id } : undefined;
}

export async function revokeAppKey(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable("workflow_app_keys")
    .set({ revoked_at: new Date().toISOString() })
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

type AppKey = NonNullable<Awaited<ReturnType<typeof findAppKey>>>;

/**
 * App keys as the app API checks them on every request: looked up once, then served from memory
 * for `ttlMs`. A revoke through `revoke` takes effect here at once; on other replicas within `ttlMs`.
 */
export class AppKeyCache {
  private readonly entries = new Map<string, { key: AppKey | undefined; expiresAt: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 5_000,
  ) {}

  async find(key: string): Promise<AppKey | undefined> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) return entry.key;
    const found = await findAppKey(this.db, key);
    if (this.entries.size >= 10_000) this.entries.clear();
    // Unknown keys are remembered too, briefly, so a flood of bad keys does not reach the database.
    this.entries.set(key, { key: found, expiresAt: now + this.ttlMs });
    return found;
  }

  async revoke(workspaceId: string, id: string): Promise<boolean> {
    const revoked = await revokeAppKey(this.db, workspaceId, id);
    for (const [key, entry] of this.entries) if (entry.key?.id === id) this.entries.delete(key);
    return revoked;
  }
}
