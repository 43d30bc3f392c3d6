import type { ColumnDefinitionBuilder, Kysely } from "kysely";

/** Tables of packages/workflows (issue 6): workflows and versions, runs and node runs, chat state, app keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const workspace = (column: ColumnDefinitionBuilder) =>
    column.notNull().references("workspaces.id").onDelete("cascade");
  const workflow = (column: ColumnDefinitionBuilder) =>
    column.notNull().references("workflows.id").onDelete("cascade");

  await db.schema
    .createTable("workflows")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("mode", "text", (column) => column.notNull())
    .addColumn("version", "integer", (column) => column.notNull().defaultTo(1))
    .addColumn("definition", "text", (column) => column.notNull())
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("workflows_workspace")
    .on("workflows")
    .columns(["workspace_id", "updated_at"])
    .execute();

  await db.schema
    .createTable("workflow_versions")
    .addColumn("workflow_id", "text", workflow)
    .addColumn("version", "integer", (column) => column.notNull())
    .addColumn("definition", "text", (column) => column.notNull())
    .addColumn("created_at", "text", (column) => column.notNull())
    .addPrimaryKeyConstraint("workflow_versions_pk", ["workflow_id", "version"])
    .execute();

  await db.schema
    .createTable("workflow_runs")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("workflow_id", "text", workflow)
    .addColumn("workflow_version", "integer", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("inputs", "text", (column) => column.notNull())
    .addColumn("outputs", "text")
    .addColumn("error", "text")
    .addColumn("query", "text")
    .addColumn("conversation_id", "text")
    .addColumn("end_user", "text")
    .addColumn("triggered_from", "text", (column) => column.notNull())
    .addColumn("total_steps", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("total_tokens", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("elapsed_ms", "integer")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("finished_at", "text")
    .execute();
  await db.schema
    .createIndex("workflow_runs_workflow")
    .on("workflow_runs")
    .columns(["workflow_id", "created_at"])
    .execute();
  await db.schema.createIndex("workflow_runs_status").on("workflow_runs").column("status").execute();

  await db.schema
    .createTable("workflow_node_runs")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("run_id", "text", (column) =>
      column.notNull().references("workflow_runs.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", (column) => column.notNull())
    .addColumn("node_id", "text", (column) => column.notNull())
    .addColumn("node_type", "text", (column) => column.notNull())
    .addColumn("title", "text", (column) => column.notNull())
    .addColumn("step_index", "integer", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("inputs", "text", (column) => column.notNull())
    .addColumn("outputs", "text", (column) => column.notNull())
    .addColumn("error", "text")
    .addColumn("tokens", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("retries", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("container_id", "text")
    .addColumn("round", "integer")
    .addColumn("started_at", "text", (column) => column.notNull())
    .addColumn("finished_at", "text", (column) => column.notNull())
    .addColumn("elapsed_ms", "integer", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("workflow_node_runs_run")
    .on("workflow_node_runs")
    .columns(["run_id", "step_index"])
    .execute();

  await db.schema
    .createTable("workflow_conversations")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("workflow_id", "text", workflow)
    .addColumn("end_user", "text")
    .addColumn("variables", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("workflow_messages")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("conversation_id", "text", (column) =>
      column.notNull().references("workflow_conversations.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", (column) => column.notNull())
    .addColumn("run_id", "text", (column) => column.notNull())
    .addColumn("query", "text", (column) => column.notNull())
    .addColumn("answer", "text", (column) => column.notNull())
    .addColumn("created_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("workflow_messages_conversation")
    .on("workflow_messages")
    .columns(["conversation_id", "created_at"])
    .execute();

  await db.schema
    .createTable("workflow_app_keys")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("workflow_id", "text", workflow)
    .addColumn("key_hash", "text", (column) => column.notNull().unique())
    .addColumn("key_prefix", "text", (column) => column.notNull())
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("revoked_at", "text")
    .execute();
}
