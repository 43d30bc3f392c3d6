import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { z } from "zod";

/** A workspace's browser safety settings. */
export interface BrowserSettings {
  /** URL patterns allowed; empty allows any public http(s) URL. Private hosts and file: need an entry. */
  allowUrls: string[];
  /** URL patterns refused, even when allowed. */
  denyUrls: string[];
  /** Most steps an agent run or a recorded task may take. */
  maxSteps: number;
  /** Most milliseconds one operation (or one task run) may take. */
  maxDurationMs: number;
}

export const defaultBrowserSettings: BrowserSettings = {
  allowUrls: [],
  denyUrls: [],
  maxSteps: 25,
  maxDurationMs: 120_000,
};

const pattern = z.string().trim().min(1).max(500);

export const browserSettingsSchema = z.strictObject({
  allowUrls: z.array(pattern).max(200).optional(),
  denyUrls: z.array(pattern).max(200).optional(),
  maxSteps: z.number().int().min(1).max(200).optional(),
  maxDurationMs: z.number().int().min(1_000).max(3_600_000).optional(),
});

export async function getBrowserSettings(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<BrowserSettings> {
  const row = await db
    .selectFrom("browser_settings")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) return { ...defaultBrowserSettings };
  return {
    allowUrls: JSON.parse(row.allow_urls),
    denyUrls: JSON.parse(row.deny_urls),
    maxSteps: row.max_steps,
    maxDurationMs: row.max_duration_ms,
  };
}

/** Merges `changes` into the workspace's settings and stores them. */
export async function updateBrowserSettings(
  db: Kysely<Database>,
  workspaceId: string,
  changes: z.infer<typeof browserSettingsSchema>,
): Promise<BrowserSettings> {
  const next = { ...(await getBrowserSettings(db, workspaceId)), ...changes };
  const row = {
    allow_urls: JSON.stringify(next.allowUrls),
    deny_urls: JSON.stringify(next.denyUrls),
    max_steps: next.maxSteps,
    max_duration_ms: next.maxDurationMs,
    updated_at: new Date().toISOString(),
  };
  await db
    .insertInto("browser_settings")
    .values({ workspace_id: workspaceId, ...row })
    .onConflict((conflict) => conflict.column("workspace_id").doUpdateSet(row))
    .execute();
  return next;
}
