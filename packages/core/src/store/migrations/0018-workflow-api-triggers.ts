import type { Kysely } from "kysely";

/**
 * Workflow triggers of kind `api` (issue 6, Motia's API steps): a route of the workspace's own,
 * `<METHOD> <path>`. The column holds the route's shape (`POST /orders/:` — parameter names
 * left out, so `/orders/:id` and `/orders/:orderId` are the same route), unique per workspace;
 * null for the other kinds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("workflow_triggers").addColumn("route", "text").execute();
  await db.schema
    .createIndex("workflow_triggers_route")
    .on("workflow_triggers")
    .columns(["workspace_id", "route"])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("workflow_triggers_route").execute();
  await db.schema.alterTable("workflow_triggers").dropColumn("route").execute();
}
