import { createHash, randomBytes } from "node:crypto";
import { type ChatSiteTokenTable, type Database, NexusError, newId, notFound } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import { parseOrThrow } from "../parse-or-throw.ts";
import {
  type CreateSiteTokenInput,
  createSiteTokenSchema,
  type SiteTokenInfo,
  widgetThemeSchema,
} from "./site-token-schema.ts";

export type SiteTokenRow = Selectable<ChatSiteTokenTable>;

const tokenPattern = /^nxw_[A-Za-z0-9_-]{43}$/;

/** Like API keys: 256 random bits, so SHA-256 at rest is enough and lookups stay by hash. */
export function hashSiteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates a site token for an agent of the workspace and returns it in clear text once; only its
 * hash is stored. The token is publishable (it sits in a page's HTML): it reaches nothing but the
 * widget API of its agent, from its allowed origins, within its rate limits.
 */
export async function createSiteToken(
  db: Kysely<Database>,
  workspaceId: string,
  input: CreateSiteTokenInput,
): Promise<{ token: string; info: SiteTokenInfo }> {
  const fields = parseOrThrow(createSiteTokenSchema, input, "site token");
  const agent = await db
    .selectFrom("chat_agents")
    .select(["id", "name"])
    .where("id", "=", fields.agentId)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!agent) {
    throw new NexusError("invalid_request", `Agent '${fields.agentId}' not found in this workspace`, {
      param: "agentId",
    });
  }
  const token = `nxw_${randomBytes(32).toString("base64url")}`;
  const row: SiteTokenRow = {
    id: newId("site"),
    workspace_id: workspaceId,
    agent_id: agent.id,
    name: fields.name || `${agent.name} widget`,
    token_hash: hashSiteToken(token),
    token_prefix: token.slice(0, 12),
    allowed_origins: JSON.stringify(fields.allowedOrigins),
    requests_per_minute: fields.requestsPerMinute,
    visitor_requests_per_minute: fields.visitorRequestsPerMinute,
    theme: JSON.stringify(fields.theme),
    created_at: new Date().toISOString(),
    revoked_at: null,
  };
  await db.insertInto("chat_site_tokens").values(row).execute();
  return { token, info: siteTokenInfo(row) };
}

/** The workspace's site tokens, oldest first; revoked ones only when asked. */
export async function listSiteTokens(
  db: Kysely<Database>,
  workspaceId: string,
  options: { includeRevoked?: boolean } = {},
): Promise<SiteTokenInfo[]> {
  let query = db.selectFrom("chat_site_tokens").selectAll().where("workspace_id", "=", workspaceId);
  if (!options.includeRevoked) query = query.where("revoked_at", "is", null);
  const rows = await query.orderBy("created_at").orderBy("id").execute();
  return rows.map(siteTokenInfo);
}

/** Revokes a token of this workspace at once; another workspace's token is not found. */
export async function revokeSiteToken(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<SiteTokenInfo> {
  const result = await db
    .updateTable("chat_site_tokens")
    .set({ revoked_at: new Date().toISOString() })
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound("Site token", id);
  const row = await db
    .selectFrom("chat_site_tokens")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return siteTokenInfo(row);
}

/** The live token presented by a widget, with its workspace; undefined for unknown or revoked. */
export async function findActiveSiteToken(
  db: Kysely<Database>,
  token: string,
): Promise<(SiteTokenInfo & { workspaceId: string }) | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  const row = await db
    .selectFrom("chat_site_tokens")
    .selectAll()
    .where("token_hash", "=", hashSiteToken(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row ? { ...siteTokenInfo(row), workspaceId: row.workspace_id } : undefined;
}

const storedOrigins = z.array(z.string()).catch([]);
const storedTheme = widgetThemeSchema.catch({ primaryColor: "#2563eb", position: "right" });

/** A row as the API shows it; JSON columns that do not parse (hand-edited rows) read as defaults. */
export function siteTokenInfo(row: SiteTokenRow): SiteTokenInfo {
  return {
    id: row.id,
    agentId: row.agent_id,
    name: row.name,
    tokenPrefix: row.token_prefix,
    allowedOrigins: storedOrigins.parse(parseJson(row.allowed_origins)),
    requestsPerMinute: Number(row.requests_per_minute),
    visitorRequestsPerMinute: Number(row.visitor_requests_per_minute),
    theme: storedTheme.parse(parseJson(row.theme)),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
