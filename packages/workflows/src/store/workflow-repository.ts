import { type Database, newId, notFound } from "@nexus/core";
import type { Kysely } from "kysely";
import type { WorkflowDefinition, WorkflowMode } from "../graph/graph-types.ts";

/** A workflow as listed. */
export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  mode: WorkflowMode;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface StoredWorkflow {
  summary: WorkflowSummary;
  definition: WorkflowDefinition;
}

type Row = Database["workflows"];

function summaryOf(
  row: Pick<Row, "id" | "name" | "description" | "mode" | "version" | "created_at" | "updated_at">,
): WorkflowSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    mode: row.mode as WorkflowMode,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const summaryColumns = ["id", "name", "description", "mode", "version", "created_at", "updated_at"] as const;

/** Stores a new workflow (version 1). */
export async function createWorkflow(
  db: Kysely<Database>,
  workspaceId: string,
  definition: WorkflowDefinition,
): Promise<StoredWorkflow> {
  const now = new Date().toISOString();
  const id = newId("wf");
  const text = JSON.stringify(definition);
  const row = {
    id,
    workspace_id: workspaceId,
    name: definition.name,
    description: definition.description,
    mode: definition.mode,
    version: 1,
    definition: text,
    created_at: now,
    updated_at: now,
  };
  await db.transaction().execute(async (transaction) => {
    await transaction.insertInto("workflows").values(row).execute();
    await transaction
      .insertInto("workflow_versions")
      .values({ workflow_id: id, version: 1, definition: text, created_at: now })
      .execute();
  });
  return { summary: summaryOf(row), definition };
}

export async function listWorkflows(db: Kysely<Database>, workspaceId: string): Promise<WorkflowSummary[]> {
  const rows = await db
    .selectFrom("workflows")
    .select(summaryColumns)
    .where("workspace_id", "=", workspaceId)
    .orderBy("updated_at", "desc")
    .execute();
  return rows.map(summaryOf);
}

/** The workflow, at its current version or the one asked for; 404 when not in this workspace. */
export async function getWorkflow(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  version?: number,
): Promise<StoredWorkflow> {
  const row = await db
    .selectFrom("workflows")
    .selectAll()
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound("Workflow", id);
  if (version === undefined || version === row.version) {
    return { summary: summaryOf(row), definition: JSON.parse(row.definition) as WorkflowDefinition };
  }
  const old = await db
    .selectFrom("workflow_versions")
    .select("definition")
    .where("workflow_id", "=", id)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!old) throw notFound("Workflow version", `${id}@${version}`);
  return {
    summary: { ...summaryOf(row), version },
    definition: JSON.parse(old.definition) as WorkflowDefinition,
  };
}

/** Saves a new definition as the next version. */
export async function updateWorkflow(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  definition: WorkflowDefinition,
): Promise<StoredWorkflow> {
  const now = new Date().toISOString();
  const text = JSON.stringify(definition);
  return db.transaction().execute(async (transaction) => {
    const current = await transaction
      .selectFrom("workflows")
      .select(["version", "created_at"])
      .where("id", "=", id)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    if (!current) throw notFound("Workflow", id);
    const latest = await transaction
      .selectFrom("workflow_versions")
      .select((expression) => expression.fn.max("version").as("version"))
      .where("workflow_id", "=", id)
      .executeTakeFirst();
    const version = Number(latest?.version ?? current.version) + 1;
    await transaction
      .updateTable("workflows")
      .set({
        name: definition.name,
        description: definition.description,
        mode: definition.mode,
        version,
        definition: text,
        updated_at: now,
      })
      .where("id", "=", id)
      .execute();
    await transaction
      .insertInto("workflow_versions")
      .values({ workflow_id: id, version, definition: text, created_at: now })
      .execute();
    return {
      summary: summaryOf({
        id,
        name: definition.name,
        description: definition.description,
        mode: definition.mode,
        version,
        created_at: current.created_at,
        updated_at: now,
      }),
      definition,
    };
  });
}

export async function listWorkflowVersions(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Array<{ version: number; createdAt: string }>> {
  await getWorkflow(db, workspaceId, id);
  const rows = await db
    .selectFrom("workflow_versions")
    .select(["version", "created_at"])
    .where("workflow_id", "=", id)
    .orderBy("version", "desc")
    .execute();
  return rows.map((row) => ({ version: row.version, createdAt: row.created_at }));
}

export async function deleteWorkflow(db: Kysely<Database>, workspaceId: string, id: string): Promise<void> {
  const result = await db
    .deleteFrom("workflows")
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound("Workflow", id);
}
