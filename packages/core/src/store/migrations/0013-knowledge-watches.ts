import type { Kysely } from "kysely";

/**
 * Watched folders of knowledge bases (issue 7), stored so a server resumes them after a restart.
 * `owner_id` and `lease_until` are a lease: of several processes that could watch a folder, the
 * one holding an unexpired lease watches it, and another takes over once the lease runs out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("knowledge_watches")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("knowledge_base_id", "text", (column) =>
      column.notNull().references("knowledge_bases.id").onDelete("cascade"),
    )
    .addColumn("folder", "text", (column) => column.notNull())
    .addColumn("options", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("owner_id", "text")
    .addColumn("lease_until", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addUniqueConstraint("knowledge_watches_base_folder", ["knowledge_base_id", "folder"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("knowledge_watches").execute();
}
