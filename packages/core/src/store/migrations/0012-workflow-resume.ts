import type { Kysely } from "kysely";

/**
 * Workflow triggers and durable runs (issue 6). Triggers: webhook (a secret URL, hashed at
 * rest), cron (a core.queue repeatable job) and event (a core.events topic).
 * Durable runs: which process runs a run and when it last said so, so
 * another process can take over a run whose process died; each node result's chosen edge
 * and a note (a side-effecting node that ran again after an interruption says so).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("workflow_runs").addColumn("runner_id", "text").execute();
  await db.schema.alterTable("workflow_runs").addColumn("heartbeat_at", "text").execute();
  await db.schema.alterTable("workflow_node_runs").addColumn("handle", "text").execute();
  await db.schema.alterTable("workflow_node_runs").addColumn("note", "text").execute();

  await db.schema
    .createTable("workflow_triggers")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("workflow_id", "text", (column) =>
      column.notNull().references("workflows.id").onDelete("cascade"),
    )
    .addColumn("kind", "text", (column) => column.notNull())
    .addColumn("config", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("token_hash", "text", (column) => column.unique())
    .addColumn("created_at", "text", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("workflow_triggers_kind").on("workflow_triggers").column("kind").execute();
}
