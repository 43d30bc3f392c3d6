import type { Kysely } from "kysely";

/**
 * The gateway's limits (per workspace and per key), the durable spend of token budgets, and one
 * usage row per gateway request.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("gateway_limits")
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    // '' is the workspace-wide rule: a primary key column cannot be null in PostgreSQL.
    .addColumn("api_key_id", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("limits", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .addPrimaryKeyConstraint("gateway_limits_primary_key", ["workspace_id", "api_key_id"])
    .execute();

  await db.schema
    .createTable("gateway_budget_spend")
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("api_key_id", "text", (column) => column.notNull().defaultTo(""))
    // `2025-11-25` for a daily budget, `2025-11` for a monthly one (UTC).
    .addColumn("period", "text", (column) => column.notNull())
    .addColumn("tokens", "bigint", (column) => column.notNull().defaultTo(0))
    .addColumn("updated_at", "text", (column) => column.notNull())
    .addPrimaryKeyConstraint("gateway_budget_spend_primary_key", ["workspace_id", "api_key_id", "period"])
    .execute();

  // No foreign keys: usage is a log written in batches, kept when a key is revoked or removed.
  await db.schema
    .createTable("gateway_usage")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) => column.notNull())
    .addColumn("api_key_id", "text")
    .addColumn("request_id", "text")
    .addColumn("alias", "text", (column) => column.notNull())
    .addColumn("deployment", "text")
    .addColumn("provider", "text")
    .addColumn("model", "text")
    .addColumn("endpoint", "text", (column) => column.notNull())
    // 0 or 1: SQLite has no boolean type.
    .addColumn("stream", "integer", (column) => column.notNull())
    .addColumn("cache", "text", (column) => column.notNull())
    .addColumn("status", "integer", (column) => column.notNull())
    .addColumn("error_type", "text")
    .addColumn("prompt_tokens", "integer", (column) => column.notNull())
    .addColumn("completion_tokens", "integer", (column) => column.notNull())
    .addColumn("ttft_ms", "integer")
    .addColumn("duration_ms", "integer", (column) => column.notNull())
    .addColumn("cost", "double precision")
    .addColumn("created_at", "text", (column) => column.notNull())
    .execute();
  // Usage pages and totals are always per workspace over a time range, newest first.
  await db.schema
    .createIndex("gateway_usage_workspace_time")
    .on("gateway_usage")
    .columns(["workspace_id", "created_at", "id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("gateway_usage").execute();
  await db.schema.dropTable("gateway_budget_spend").execute();
  await db.schema.dropTable("gateway_limits").execute();
}
