import { createHash } from "node:crypto";
import { type Database, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import type { PageShape } from "./page-shape.ts";

/** One resolved action Stagehand performed: replayable with `stagehand.act(action)` and no model. */
export interface CachedAction {
  selector: string;
  description: string;
  method: string;
  /** With `%variable%` placeholders as the model wrote them, never the secret values. */
  arguments: string[];
}

/** A step of a cached run: an action on the page, or a navigation the agent made. */
export type CachedStep = { type: "action"; action: CachedAction } | { type: "goto"; url: string };

export interface CacheKey {
  workspaceId: string;
  kind: "act" | "agent";
  instruction: string;
  shape: PageShape;
  /** Names only: a run with other variable values reuses the entry. */
  variableNames: string[];
}

/**
 * The action cache of a workspace, in the store: the first successful act/agent run on a page
 * shape records its steps; later runs with the same instruction on the same shape replay them.
 */
export class ActionCache {
  constructor(private readonly db: Kysely<Database>) {}

  async lookup(key: CacheKey): Promise<CachedStep[] | undefined> {
    const row = await this.db
      .selectFrom("browser_action_cache")
      .select(["id", "actions"])
      .where("workspace_id", "=", key.workspaceId)
      .where("cache_key", "=", hashOf(key))
      .executeTakeFirst();
    if (!row) return undefined;
    return JSON.parse(row.actions) as CachedStep[];
  }

  async recordHit(key: CacheKey): Promise<void> {
    await this.db
      .updateTable("browser_action_cache")
      .set((eb) => ({ hits: eb("hits", "+", 1) }))
      .where("workspace_id", "=", key.workspaceId)
      .where("cache_key", "=", hashOf(key))
      .execute();
  }

  /** Records (or, after healing, replaces) the steps for the key. */
  async save(key: CacheKey, steps: CachedStep[]): Promise<void> {
    const now = new Date().toISOString();
    const actions = JSON.stringify(steps);
    await this.db
      .insertInto("browser_action_cache")
      .values({
        id: newId("bac"),
        workspace_id: key.workspaceId,
        cache_key: hashOf(key),
        kind: key.kind,
        instruction: key.instruction,
        url_pattern: key.shape.urlPattern,
        dom_hash: key.shape.domHash,
        actions,
        hits: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) =>
        conflict.columns(["workspace_id", "cache_key"]).doUpdateSet({ actions, updated_at: now }),
      )
      .execute();
  }

  async list(workspaceId: string) {
    return this.db
      .selectFrom("browser_action_cache")
      .select([
        "id",
        "kind",
        "instruction",
        "url_pattern",
        "dom_hash",
        "actions",
        "hits",
        "created_at",
        "updated_at",
      ])
      .where("workspace_id", "=", workspaceId)
      .orderBy("updated_at", "desc")
      .execute();
  }

  async clear(workspaceId: string): Promise<number> {
    const result = await this.db
      .deleteFrom("browser_action_cache")
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function hashOf(key: CacheKey): string {
  const material = JSON.stringify([
    key.kind,
    key.instruction.trim(),
    key.shape.urlPattern,
    key.shape.domHash,
    [...key.variableNames].sort(),
  ]);
  return createHash("sha256").update(material).digest("hex");
}
