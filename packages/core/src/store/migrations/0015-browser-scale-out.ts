import type { Kysely } from "kysely";

/**
 * Browser work on `nexus worker` processes (issues 6 and 8): a recorded task's screenshots live
 * in the store (the worker that ran it may share no disk with the server that serves them), and
 * a workflow run's browser sessions leave enough behind (URL, cookies) for another worker to
 * rebuild them when the run moves there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("browser_run_screenshots")
    .addColumn("run_id", "text", (column) =>
      column.notNull().references("browser_task_runs.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("workspace_id", "text", (column) => column.notNull())
    .addColumn("image_base64", "text", (column) => column.notNull())
    .addColumn("created_at", "text", (column) => column.notNull())
    .addPrimaryKeyConstraint("browser_run_screenshots_pk", ["run_id", "name"])
    .execute();
  await db.schema
    .createTable("browser_session_states")
    .addColumn("run_id", "text", (column) => column.notNull())
    .addColumn("session_id", "text", (column) => column.notNull())
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("url", "text", (column) => column.notNull())
    .addColumn("cookies", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("updated_at", "text", (column) => column.notNull())
    .addPrimaryKeyConstraint("browser_session_states_pk", ["run_id", "session_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("browser_session_states").execute();
  await db.schema.dropTable("browser_run_screenshots").execute();
}
