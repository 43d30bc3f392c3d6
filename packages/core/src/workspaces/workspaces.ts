import type { Kysely } from "kysely";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import type { Database, WorkspaceTable } from "../store/schema.ts";

export type Workspace = WorkspaceTable;

/** The four sites Nexus serves; each is a workspace created on first start. */
export const defaultWorkspaces = [
  {
    slug: "azi-learns-ai",
    name: "AZI Learns AI",
    description: "Learning: chat tutor, fine-tuning lessons, multimodal questions",
  },
  {
    slug: "agentx",
    name: "AgentX Interface",
    description: "Agents that call tools, knowledge bases and workflows",
  },
  {
    slug: "ai-workflow",
    name: "AI Workflow",
    description: "Automation: workflows, browser automation, real-time knowledge",
  },
  {
    slug: "nexus-os",
    name: "AI Boss Nexus OS",
    description: "Operations: model serving, coding agent, SQL, monitoring",
  },
] as const;

export const defaultWorkspaceSlug = "nexus-os";

/** Creates any of the default workspaces that are missing. Safe to run on every start and from many replicas. */
export async function ensureDefaultWorkspaces(db: Kysely<Database>): Promise<void> {
  for (const workspace of defaultWorkspaces) {
    await db
      .insertInto("workspaces")
      .values({ id: newId("ws"), ...workspace, created_at: new Date().toISOString() })
      .onConflict((conflict) => conflict.column("slug").doNothing())
      .execute();
  }
}

export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  return db.selectFrom("workspaces").selectAll().orderBy("created_at").orderBy("slug").execute();
}

export async function findWorkspaceBySlug(
  db: Kysely<Database>,
  slug: string,
): Promise<Workspace | undefined> {
  return db.selectFrom("workspaces").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export async function getWorkspaceBySlug(db: Kysely<Database>, slug: string): Promise<Workspace> {
  const workspace = await findWorkspaceBySlug(db, slug);
  if (!workspace) throw notFound("workspace", slug);
  return workspace;
}

export async function getWorkspaceById(db: Kysely<Database>, id: string): Promise<Workspace> {
  const workspace = await db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
  if (!workspace) throw notFound("workspace", id);
  return workspace;
}
