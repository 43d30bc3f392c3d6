import type { Kysely } from "kysely";

/**
 * The change log of knowledge bases' chunk indexes (issue 7, real-time knowledge bases): one row
 * per `index_version` a change produced, written in the same transaction as the change, with the
 * chunk keys it added and removed (JSON arrays) or `reset` 1 when every chunk may have changed
 * (vectors cleared for a new embedder). In-memory search copies (packages/knowledge
 * memory-index.ts, one per process) read the rows after the version they hold and apply just
 * those, instead of reloading the whole knowledge base; old rows are pruned as new ones come.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("knowledge_index_changes")
    .addColumn("knowledge_base_id", "text", (column) =>
      column.notNull().references("knowledge_bases.id").onDelete("cascade"),
    )
    .addColumn("version", "integer", (column) => column.notNull())
    .addColumn("added", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("removed", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("reset", "integer", (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("knowledge_index_changes_pk", ["knowledge_base_id", "version"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("knowledge_index_changes").execute();
}
