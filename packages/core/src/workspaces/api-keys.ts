import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import type { ApiKeyTable, Database, Role } from "../store/schema.ts";

export const roles = ["owner", "admin", "member"] as const satisfies readonly Role[];

/** A key as listed: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKeyTable, "key_hash">;

const keyPattern = /^nx_[A-Za-z0-9_-]{43}$/;

/**
 * Keys carry 256 random bits, so a fast hash is enough at rest: there is nothing to brute-force
 * that a slow hash would protect, and lookups stay O(1) by hash.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function looksLikeApiKey(key: string): boolean {
  return keyPattern.test(key);
}

/** Creates a key and returns it in clear text once; only its hash is stored. */
export async function createApiKey(
  db: Kysely<Database>,
  input: { workspaceId: string; role: Role; name?: string },
): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = `nx_${randomBytes(32).toString("base64url")}`;
  const row: ApiKeyTable = {
    id: newId("key"),
    workspace_id: input.workspaceId,
    name: input.name ?? `${input.role} key`,
    role: input.role,
    key_hash: hashApiKey(key),
    key_prefix: key.slice(0, 10),
    created_at: new Date().toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto("api_keys").values(row).execute();
  const { key_hash: _hash, ...info } = row;
  return { key, info };
}

const infoColumns = [
  "id",
  "workspace_id",
  "name",
  "role",
  "key_prefix",
  "created_at",
  "last_used_at",
  "revoked_at",
] as const;

export async function listApiKeys(
  db: Kysely<Database>,
  workspaceId: string,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyInfo[]> {
  let query = db.selectFrom("api_keys").select(infoColumns).where("workspace_id", "=", workspaceId);
  if (!options.includeRevoked) query = query.where("revoked_at", "is", null);
  return query.orderBy("created_at").execute();
}

/** Revokes a key of this workspace. A key id of another workspace is reported as not found. */
export async function revokeApiKey(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<ApiKeyInfo> {
  const now = new Date().toISOString();
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound("API key", id);
  await db.deleteFrom("web_sessions").where("api_key_id", "=", id).execute();
  const info = await db
    .selectFrom("api_keys")
    .select(infoColumns)
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return info;
}

/** The live (unrevoked) key with this hash, joined to its workspace slug. */
export async function findActiveKeyByHash(db: Kysely<Database>, keyHash: string) {
  return db
    .selectFrom("api_keys")
    .innerJoin("workspaces", "workspaces.id", "api_keys.workspace_id")
    .select([
      "api_keys.id as keyId",
      "api_keys.role as role",
      "workspaces.id as workspaceId",
      "workspaces.slug as workspaceSlug",
    ])
    .where("api_keys.key_hash", "=", keyHash)
    .where("api_keys.revoked_at", "is", null)
    .executeTakeFirst();
}

/** Records last use for many keys at once; called from a periodic flush, never per request. */
export async function touchApiKeys(db: Kysely<Database>, usedAt: Map<string, string>): Promise<void> {
  for (const [id, at] of usedAt) {
    await db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
  }
}
