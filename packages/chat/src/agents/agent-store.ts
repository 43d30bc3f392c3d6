import { type ChatAgentTable, type Database, NexusError, newId } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";
import { parseOrThrow } from "../parse-or-throw.ts";
import {
  type Agent,
  type AgentExport,
  type AgentFields,
  agentExportSchema,
  agentFieldsSchema,
  agentParamsSchema,
} from "./agent-schema.ts";

/**
 * Agents of a workspace: every function is scoped by `workspaceId`, and an agent of another
 * workspace is not found. Inputs are validated here too, so callers other than the API are held
 * to the same rules.
 */
export async function listAgents(db: Kysely<Database>, workspaceId: string): Promise<Agent[]> {
  const rows = await db
    .selectFrom("chat_agents")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("name")
    .orderBy("id")
    .execute();
  return rows.map(agentView);
}

export async function getAgent(db: Kysely<Database>, workspaceId: string, id: string): Promise<Agent> {
  return agentView(await findAgentRow(db, workspaceId, id));
}

export async function createAgent(db: Kysely<Database>, workspaceId: string, input: unknown): Promise<Agent> {
  const fields = parseOrThrow(agentFieldsSchema, input, "agent");
  const now = new Date().toISOString();
  const row = {
    id: newId("agent"),
    workspace_id: workspaceId,
    ...agentColumns(fields),
    created_at: now,
    updated_at: now,
  };
  await db.insertInto("chat_agents").values(row).execute();
  return agentView(row);
}

/** Replaces every field of the agent (absent optional fields take their defaults). */
export async function replaceAgent(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  input: unknown,
): Promise<Agent> {
  const fields = parseOrThrow(agentFieldsSchema, input, "agent");
  await findAgentRow(db, workspaceId, id);
  await db
    .updateTable("chat_agents")
    .set({ ...agentColumns(fields), updated_at: new Date().toISOString() })
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .execute();
  return getAgent(db, workspaceId, id);
}

/** Conversations started with the agent keep their own model (the agent's at the time). */
export async function deleteAgent(db: Kysely<Database>, workspaceId: string, id: string): Promise<void> {
  const result = await db
    .deleteFrom("chat_agents")
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw agentNotFound(id);
}

export async function exportAgent(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<AgentExport> {
  const {
    id: _id,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...fields
  } = await getAgent(db, workspaceId, id);
  return { nexusAgent: 1, agent: fields };
}

/** Creates a new agent (a new id) from an export. */
export async function importAgent(db: Kysely<Database>, workspaceId: string, file: unknown): Promise<Agent> {
  const parsed = parseOrThrow(agentExportSchema, file, "agent export");
  return createAgent(db, workspaceId, parsed.agent);
}

async function findAgentRow(db: Kysely<Database>, workspaceId: string, id: string) {
  const row = await db
    .selectFrom("chat_agents")
    .selectAll()
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw agentNotFound(id);
  return row;
}

const agentNotFound = (id: string) => new NexusError("not_found", `Agent '${id}' not found`);

function agentColumns(fields: AgentFields) {
  return {
    name: fields.name,
    avatar: fields.avatar,
    description: fields.description,
    system_prompt: fields.systemPrompt,
    model: fields.model,
    // The allow-list rides in the params column (read back by generation-settings.ts).
    params: JSON.stringify(
      fields.fetchAllowedHosts.length
        ? { ...fields.params, fetchAllowedHosts: fields.fetchAllowedHosts }
        : fields.params,
    ),
    opening_message: fields.openingMessage,
    suggested_questions: JSON.stringify(fields.suggestedQuestions),
    tools: JSON.stringify(fields.tools),
    knowledge_bases: JSON.stringify(fields.knowledgeBases),
  };
}

/** A row as the API shows it; JSON columns that do not parse (hand-edited rows) read as empty. */
export function agentView(row: Selectable<ChatAgentTable>): Agent {
  const { fetchAllowedHosts, ...storedParams } = objectOf(parseJson(row.params));
  const params = agentParamsSchema.safeParse(storedParams);
  const hosts = agentFieldsSchema.shape.fetchAllowedHosts.safeParse(fetchAllowedHosts ?? []);
  return {
    id: row.id,
    name: row.name,
    avatar: row.avatar,
    description: row.description,
    systemPrompt: row.system_prompt,
    model: row.model,
    params: params.success ? params.data : {},
    openingMessage: row.opening_message,
    suggestedQuestions: stringArray(row.suggested_questions),
    tools: agentFieldsSchema.shape.tools.catch([]).parse(parseJson(row.tools)),
    knowledgeBases: stringArray(row.knowledge_bases),
    fetchAllowedHosts: hosts.success ? hosts.data : [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringArray(text: string): string[] {
  const value = parseJson(text);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
