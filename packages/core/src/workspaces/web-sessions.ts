import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, Role } from "../store/schema.ts";
import { hashApiKey } from "./api-keys.ts";

const sessionLifetimeMs = 7 * 24 * 60 * 60 * 1000;

/** Starts a browser session; returns the token for the cookie (only its hash is stored). */
export async function createWebSession(
  db: Kysely<Database>,
  input: { workspaceId: string; role: Role; apiKeyId: string | null },
): Promise<{ token: string; expiresAt: string }> {
  const token = randomBytes(32).toString("base64url");
  const now = Date.now();
  const expiresAt = new Date(now + sessionLifetimeMs).toISOString();
  await db
    .insertInto("web_sessions")
    .values({
      id: hashApiKey(token),
      workspace_id: input.workspaceId,
      role: input.role,
      api_key_id: input.apiKeyId,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

export async function findWebSession(db: Kysely<Database>, token: string) {
  return db
    .selectFrom("web_sessions")
    .innerJoin("workspaces", "workspaces.id", "web_sessions.workspace_id")
    .select([
      "web_sessions.id as sessionId",
      "web_sessions.role as role",
      "web_sessions.api_key_id as keyId",
      "web_sessions.expires_at as expiresAt",
      "workspaces.id as workspaceId",
      "workspaces.slug as workspaceSlug",
    ])
    .where("web_sessions.id", "=", hashApiKey(token))
    .where("web_sessions.expires_at", ">", new Date().toISOString())
    .executeTakeFirst();
}

export async function deleteWebSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom("web_sessions").where("id", "=", hashApiKey(token)).execute();
}
