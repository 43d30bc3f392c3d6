import type { Kysely } from "kysely";

/**
 * Browser automation (issue 8): per-workspace safety settings, the action cache (resolved
 * selectors replayed without a model call), recorded tasks (versioned) and their runs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("browser_settings")
    .addColumn("workspace_id", "text", (column) =>
      column.primaryKey().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("allow_urls", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("deny_urls", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("max_steps", "integer", (column) => column.notNull())
    .addColumn("max_duration_ms", "integer", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createTable("browser_action_cache")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("cache_key", "text", (column) => column.notNull())
    .addColumn("kind", "text", (column) => column.notNull())
    .addColumn("instruction", "text", (column) => column.notNull())
    .addColumn("url_pattern", "text", (column) => column.notNull())
    .addColumn("dom_hash", "text", (column) => column.notNull())
    .addColumn("actions", "text", (column) => column.notNull())
    .addColumn("hits", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .addUniqueConstraint("browser_action_cache_key", ["workspace_id", "cache_key"])
    .execute();
  await db.schema
    .createTable("browser_tasks")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("task_id", "text", (column) => column.notNull())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("version", "integer", (column) => column.notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("definition", "text", (column) => column.notNull())
    .addColumn("schedule_cron", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addUniqueConstraint("browser_tasks_version", ["task_id", "version"])
    .execute();
  await db.schema
    .createIndex("browser_tasks_workspace")
    .on("browser_tasks")
    .columns(["workspace_id", "task_id"])
    .execute();
  await db.schema
    .createTable("browser_task_runs")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("task_id", "text", (column) => column.notNull())
    .addColumn("version", "integer", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("report", "text")
    .addColumn("error", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("finished_at", "text")
    .execute();
  await db.schema
    .createIndex("browser_task_runs_task")
    .on("browser_task_runs")
    .columns(["workspace_id", "task_id", "created_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("browser_task_runs").execute();
  await db.schema.dropTable("browser_tasks").execute();
  await db.schema.dropTable("browser_action_cache").execute();
  await db.schema.dropTable("browser_settings").execute();
}
