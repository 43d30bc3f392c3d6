import type { Kysely } from "kysely";

/** The model gateway's response cache (exact and semantic), one row per workspace and request key. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("gateway_response_cache")
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("cache_key", "text", (column) => column.notNull())
    .addColumn("scope_key", "text", (column) => column.notNull())
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("response", "text", (column) => column.notNull())
    .addColumn("embedding", "text")
    .addColumn("embedding_model", "text")
    .addColumn("hits", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .addPrimaryKeyConstraint("gateway_response_cache_primary_key", ["workspace_id", "cache_key"])
    .execute();
  // Eviction drops a workspace's oldest rows; the semantic index loads its newest.
  await db.schema
    .createIndex("gateway_response_cache_age")
    .on("gateway_response_cache")
    .columns(["workspace_id", "created_at"])
    .execute();
  // Purging deletes expired rows of every workspace.
  await db.schema
    .createIndex("gateway_response_cache_expiry")
    .on("gateway_response_cache")
    .column("expires_at")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("gateway_response_cache").execute();
}
