import type { KnowledgeBaseTable } from "@nexus/core";
import { conflict, type Database, newId, notFound } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import { type KnowledgeSettings, knowledgeSettingsSchema } from "../knowledge-settings.ts";

export interface KnowledgeBase {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  /** `builtin` or a gateway alias. */
  embeddingModel: string;
  embeddingDimensions: number | null;
  settings: KnowledgeSettings;
  embeddingTokens: number;
  createdAt: string;
  updatedAt: string;
}

export const knowledgeBaseFieldsSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(100)
      .refine((name) => !/[/\p{Cc}]/u.test(name), "must not hold '/' or control characters"),
    description: z.string().max(2000).default(""),
    embeddingModel: z.string().trim().min(1).max(256).default("builtin"),
    settings: knowledgeSettingsSchema.default(knowledgeSettingsSchema.parse({})),
  })
  .strict();
export type KnowledgeBaseFields = z.input<typeof knowledgeBaseFieldsSchema>;

export const knowledgeBaseUpdateSchema = z
  .object({
    name: knowledgeBaseFieldsSchema.shape.name.optional(),
    description: z.string().max(2000).optional(),
    embeddingModel: z.string().trim().min(1).max(256).optional(),
    settings: knowledgeSettingsSchema.optional(),
  })
  .strict();

export function knowledgeBaseOf(row: Selectable<KnowledgeBaseTable>): KnowledgeBase {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    description: row.description,
    embeddingModel: row.embedding_model,
    embeddingDimensions: row.embedding_dimensions,
    settings: knowledgeSettingsSchema.parse(JSON.parse(row.settings)),
    embeddingTokens: Number(row.embedding_tokens),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createKnowledgeBase(
  db: Kysely<Database>,
  workspaceId: string,
  input: KnowledgeBaseFields,
): Promise<KnowledgeBase> {
  const fields = knowledgeBaseFieldsSchema.parse(input);
  const existing = await db
    .selectFrom("knowledge_bases")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("name", "=", fields.name)
    .executeTakeFirst();
  if (existing) throw conflict(`a knowledge base named '${fields.name}' already exists`);
  const now = new Date().toISOString();
  const row = {
    id: newId("kb"),
    workspace_id: workspaceId,
    name: fields.name,
    description: fields.description,
    embedding_model: fields.embeddingModel,
    embedding_dimensions: null,
    settings: JSON.stringify(fields.settings),
    embedding_tokens: 0,
    index_version: 0,
    chunk_count: 0,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto("knowledge_bases").values(row).execute();
  return knowledgeBaseOf(row);
}

export async function listKnowledgeBases(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<KnowledgeBase[]> {
  const rows = await db
    .selectFrom("knowledge_bases")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("name")
    .execute();
  return rows.map(knowledgeBaseOf);
}

/** A knowledge base of the workspace, by id or by name; 404 otherwise (also for another workspace's). */
export async function getKnowledgeBase(
  db: Kysely<Database>,
  workspaceId: string,
  idOrName: string,
): Promise<KnowledgeBase> {
  const row = await db
    .selectFrom("knowledge_bases")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)]))
    .executeTakeFirst();
  if (!row) throw notFound("knowledge base", idOrName);
  return knowledgeBaseOf(row);
}

export async function updateKnowledgeBase(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  input: z.input<typeof knowledgeBaseUpdateSchema>,
): Promise<KnowledgeBase> {
  const update = knowledgeBaseUpdateSchema.parse(input);
  const current = await getKnowledgeBase(db, workspaceId, id);
  if (update.name && update.name !== current.name) {
    const clash = await db
      .selectFrom("knowledge_bases")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", update.name)
      .executeTakeFirst();
    if (clash) throw conflict(`a knowledge base named '${update.name}' already exists`);
  }
  const embedderChanged =
    update.embeddingModel !== undefined && update.embeddingModel !== current.embeddingModel;
  await db
    .updateTable("knowledge_bases")
    .set({
      ...(update.name ? { name: update.name } : {}),
      ...(update.description !== undefined ? { description: update.description } : {}),
      ...(update.embeddingModel ? { embedding_model: update.embeddingModel } : {}),
      // A new embedder's vectors may differ in length; learnt again at the next embedding.
      ...(embedderChanged ? { embedding_dimensions: null } : {}),
      ...(update.settings ? { settings: JSON.stringify(update.settings) } : {}),
      updated_at: new Date().toISOString(),
    })
    .where("id", "=", current.id)
    .execute();
  return getKnowledgeBase(db, workspaceId, current.id);
}

export async function deleteKnowledgeBase(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<void> {
  const current = await getKnowledgeBase(db, workspaceId, id);
  await db.deleteFrom("knowledge_bases").where("id", "=", current.id).execute();
}
