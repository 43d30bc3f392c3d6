import { randomBytes } from "node:crypto";
import { type Database, hashApiKey, newId, notFound } from "@nexus/core";
import type { Kysely } from "kysely";

export type TriggerKind = "webhook" | "cron" | "event";

export interface Trigger {
  id: string;
  workspaceId: string;
  workflowId: string;
  kind: TriggerKind;
  /** cron: the expression (UTC); event: the topic (a trailing `*` matches a prefix). */
  cron?: string;
  topic?: string;
  /** Inputs every run starts with (a webhook's body and an event's payload go on top). */
  inputs: Record<string, unknown>;
  createdAt: string;
}

function triggerOf(row: Database["workflow_triggers"]): Trigger {
  const config = JSON.parse(row.config) as {
    cron?: string;
    topic?: string;
    inputs?: Record<string, unknown>;
  };
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    workflowId: row.workflow_id,
    kind: row.kind as TriggerKind,
    ...(config.cron ? { cron: config.cron } : {}),
    ...(config.topic ? { topic: config.topic } : {}),
    inputs: config.inputs ?? {},
    createdAt: row.created_at,
  };
}

/** Adds a trigger; a webhook's secret token is returned once (only its hash is stored). */
export async function createTrigger(
  db: Kysely<Database>,
  fields: {
    workspaceId: string;
    workflowId: string;
    kind: TriggerKind;
    cron?: string;
    topic?: string;
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
      inputs: fields.inputs ?? {},
    }),
    token_hash: token ? hashApiKey(token) : null,
    created_at: new Date().toISOString(),
  };
  await db.insertInto("workflow_triggers").values(row).execute();
  return { trigger: triggerOf(row), ...(token ? { token } : {}) };
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
