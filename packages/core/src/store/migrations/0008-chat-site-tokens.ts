import type { Kysely } from "kysely";

/**
 * Site tokens of the embeddable chat widget: a publishable token bound to one agent, with the
 * origins allowed to use it, its rate limits and the bubble's theme. Only the token's SHA-256 is
 * stored. Deleting the agent deletes its tokens (a token of no agent could do nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("chat_site_tokens")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("agent_id", "text", (column) =>
      column.notNull().references("chat_agents.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("token_hash", "text", (column) => column.notNull().unique())
    .addColumn("token_prefix", "text", (column) => column.notNull())
    .addColumn("allowed_origins", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("requests_per_minute", "integer", (column) => column.notNull())
    .addColumn("visitor_requests_per_minute", "integer", (column) => column.notNull())
    .addColumn("theme", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema
    .createIndex("chat_site_tokens_workspace")
    .on("chat_site_tokens")
    .column("workspace_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("chat_site_tokens").execute();
}
