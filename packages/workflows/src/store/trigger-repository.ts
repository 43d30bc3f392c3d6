import { randomBytes } from "node:crypto";
import { conflict, type Database, hashApiKey, newId, notFound } from "@nexus/core";
import type { Kysely } from "kysely";
import { type ApiRoute, matchApiRoute } from "./api-trigger-paths.ts";

export type TriggerKind = "api" | "webhook" | "cron" | "event";

export interface Trigger {
  id: string;
  workspaceId: string;
  workflowId: string;
  kind: TriggerKind;
  /** cron: the expression (UTC); event: the topic (a trailing `*` matches a prefix). */
  cron?: string;
  topic?: string;
  /** api: the method and the path under `/api/apps/<workspace-slug>` (`/orders/:id`). */
  method?: string;
  path?: string;
  /** Inputs every run starts with (a webhook's body and an event's payload go on top). */
  inputs: Record<string, unknown>;
  createdAt: string;
}

function triggerOf(row: Database["workflow_triggers"]): Trigger {
  const config = JSON.parse(row.config) as {
    cron?: string;
    topic?: string;
    method?: string;
    path?: string;
    inputs?: Record<string, unknown>;
  };
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    workflowId: row.workflow_id,
    kind: row.kind as TriggerKind,
    ...(config.cron ? { cron: config.cron } : {}),
    ...(config.topic ? { topic: config.topic } : {}),
    ...(config.method ? { method: config.method } : {}),
    ...(config.path ? { path: config.path } : {}),
    inputs: config.inputs ?? {},
    createdAt: row.created_at,
  };
}

/**
 * Adds a trigger; a webhook's secret token is returned once (only its hash is stored). An api
 * trigger's route (checked by parseApiRoute) is unique in the workspace: a second one is a conflict.
 */
export async function createTrigger(
  db: Kysely<Database>,
  fields: {
    workspaceId: string;
    workflowId: string;
    kind: TriggerKind;
    cron?: string;
    topic?: string;
    api?: ApiRoute;
    inputs?: Record<string, unknown>;
  },
): Promise<{ trigger: Trigger; token?: string }> {
  const token = fields.kind === "webhook" ? `whk_${randomBytes(24).toString("base64url")}` : undefined;
  const row = {
    id: newId("wft"),
    workspace_id: fields.workspaceId,
    workflow_id: fields.workflowId,
    kind: fields.kind,
    config: JSON.stringify({
      ...(fields.cron ? { cron: fields.cron } : {}),
      ...(fields.topic ? { topic: fields.topic } : {}),
      ...(fields.api ? { method: fields.api.method, path: fields.api.path } : {}),
      inputs: fields.inputs ?? {},
    }),
    token_hash: token ? hashApiKey(token) : null,
    route: fields.api?.route ?? null,
    created_at: new Date().toISOString(),
  };
  const api = fields.api;
  const taken = () =>
    conflict(`The route ${api?.method} ${api?.path} is taken in this workspace; delete its trigger first`);
  if (api && (await routeTaken(db, fields.workspaceId, api.route))) throw taken();
  try {
    await db.insertInto("workflow_triggers").values(row).execute();
  } catch (error) {
    // Two requests racing for the same route: the unique index decides.
    if (api && (await routeTaken(db, fields.workspaceId, api.route))) throw taken();
    throw error;
  }
  return { trigger: triggerOf(row), ...(token ? { token } : {}) };
}

async function routeTaken(db: Kysely<Database>, workspaceId: string, route: string): Promise<boolean> {
  const row = await db
    .selectFrom("workflow_triggers")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("route", "=", route)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The api trigger of a workspace that answers `method` at `path` (below the workspace's prefix),
 * with the path's parameters; a literal segment wins over a parameter where both match.
 */
export async function findApiTrigger(
  db: Kysely<Database>,
  workspaceId: string,
  method: string,
  path: string,
): Promise<{ trigger: Trigger; params: Record<string, string> } | undefined> {
  const segments = path.replace(/^\//, "").replace(/\/$/, "").split("/");
  const rows = await db
    .selectFrom("workflow_triggers")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", "api")
    .where("route", "like", `${method.toUpperCase()} /%`)
    .execute();
  let best: { trigger: Trigger; params: Record<string, string>; rank: string } | undefined;
  for (const row of rows) {
    const trigger = triggerOf(row);
    const match = trigger.path ? matchApiRoute(trigger.path, segments) : undefined;
    if (match && (!best || match.rank < best.rank)) best = { trigger, ...match };
  }
  return best ? { trigger: best.trigger, params: best.params } : undefined;
}

export async function listTriggers(
  db: Kysely<Database>,
  workspaceId: string,
  workflowId: string,
): Promise<Trigger[]> {
  const rows = await db
    .selectFrom("workflow_triggers")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("workflow_id", "=", workflowId)
    .orderBy("created_at")
    .execute();
  return rows.map(triggerOf);
}

/** Every trigger of one kind, across workspaces (for scheduling and subscribing at start). */
export async function triggersOfKind(db: Kysely<Database>, kind: TriggerKind): Promise<Trigger[]> {
  return (await db.selectFrom("workflow_triggers").selectAll().where("kind", "=", kind).execute()).map(
    triggerOf,
  );
}

export async function getTrigger(db: Kysely<Database>, id: string): Promise<Trigger | undefined> {
  const row = await db.selectFrom("workflow_triggers").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? triggerOf(row) : undefined;
}

export async function findWebhookTrigger(db: Kysely<Database>, token: string): Promise<Trigger | undefined> {
  if (!/^whk_[A-Za-z0-9_-]{16,64}$/.test(token)) return undefined;
  const row = await db
    .selectFrom("workflow_triggers")
    .selectAll()
    .where("token_hash", "=", hashApiKey(token))
    .executeTakeFirst();
  return row ? triggerOf(row) : undefined;
}

export async function deleteTrigger(db: Kysely<Database>, workspaceId: string, id: string): Promise<Trigger> {
  const row = await db
    .selectFrom("workflow_triggers")
    .selectAll()
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound("Trigger", id);
  await db.deleteFrom("workflow_triggers").where("id", "=", id).execute();
  return triggerOf(row);
}
