import type { Kysely } from "kysely";

/**
 * A workspace's MCP servers (issue 6): the servers workflow tool and agent nodes reach by the
 * identifier Dify DSLs carry as `provider_id`. Headers (an Authorization token) are secrets,
 * stored sealed with the instance's secret key like gateway providers' API keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("workflow_mcp_servers")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("provider_id", "text", (column) => column.notNull())
    .addColumn("url", "text", (column) => column.notNull())
    .addColumn("headers_ciphertext", "text")
    .addColumn("header_names", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addUniqueConstraint("workflow_mcp_servers_provider", ["workspace_id", "provider_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("workflow_mcp_servers").execute();
}
