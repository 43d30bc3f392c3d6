import fs from "node:fs";
import path from "node:path";
import {
  conflict,
  type Database,
  invalidRequest,
  type KnowledgeWatchTable,
  newId,
  notFound,
} from "@nexus/core";
import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import { getKnowledgeBase } from "./knowledge-base-store.ts";

/** A folder whose files a knowledge base keeps in step with, stored so it outlives the process. */
export interface KnowledgeWatch {
  id: string;
  workspaceId: string;
  knowledgeBaseId: string;
  folder: string;
  options: WatchOptions;
  /** The process watching it now (null when none holds a lease). */
  ownerId: string | null;
  leaseUntil: string | null;
  createdAt: string;
}

export const watchOptionsSchema = z
  .object({
    /** Quiet time after a file's last change before it is read. */
    debounceMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();
export type WatchOptions = z.infer<typeof watchOptionsSchema>;

export const watchFieldsSchema = z
  .object({
    folder: z
      .string()
      .min(1, "must not be empty")
      .max(4096)
      .refine((folder) => path.isAbsolute(folder), "must be an absolute path"),
  })
  .merge(watchOptionsSchema)
  .strict();
export type WatchFields = z.infer<typeof watchFieldsSchema>;

export function watchOf(row: Selectable<KnowledgeWatchTable>): KnowledgeWatch {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    knowledgeBaseId: row.knowledge_base_id,
    folder: row.folder,
    options: watchOptionsSchema.parse(JSON.parse(row.options)),
    ownerId: row.owner_id,
    leaseUntil: row.lease_until,
    createdAt: row.created_at,
  };
}

/** The folder as stored: absolute, normalised, and an existing directory (400 otherwise). */
export async function checkWatchedFolder(folder: string): Promise<string> {
  if (!path.isAbsolute(folder))
    throw invalidRequest(`folder must be an absolute path, not '${folder}'`, "folder");
  const resolved = path.resolve(folder);
  const stat = await fs.promises.stat(resolved).catch(() => undefined);
  if (!stat) throw invalidRequest(`folder ${resolved} does not exist on the server`, "folder");
  if (!stat.isDirectory()) throw invalidRequest(`folder ${resolved} is not a directory`, "folder");
  return resolved;
}

export async function createWatch(
  db: Kysely<Database>,
  workspaceId: string,
  knowledgeBase: string,
  input: WatchFields,
): Promise<KnowledgeWatch> {
  const { folder: given, ...options } = watchFieldsSchema.parse(input);
  const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
  const folder = await checkWatchedFolder(given);
  const existing = await db
    .selectFrom("knowledge_watches")
    .select("id")
    .where("knowledge_base_id", "=", base.id)
    .where("folder", "=", folder)
    .executeTakeFirst();
  if (existing) throw conflict(`${folder} is already watched for '${base.name}' (${existing.id})`);
  const row = {
    id: newId("kw"),
    workspace_id: workspaceId,
    knowledge_base_id: base.id,
    folder,
    options: JSON.stringify(options),
    owner_id: null,
    lease_until: null,
    created_at: new Date().toISOString(),
  };
  await db.insertInto("knowledge_watches").values(row).execute();
  return watchOf(row);
}

export async function listWatches(
  db: Kysely<Database>,
  workspaceId: string,
  knowledgeBase: string,
): Promise<KnowledgeWatch[]> {
  const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
  const rows = await db
    .selectFrom("knowledge_watches")
    .selectAll()
    .where("knowledge_base_id", "=", base.id)
    .orderBy("created_at")
    .execute();
  return rows.map(watchOf);
}

/** Deletes a watch; the process watching the folder stops at its next lease check. */
export async function deleteWatch(
  db: Kysely<Database>,
  workspaceId: string,
  knowledgeBase: string,
  watchId: string,
): Promise<void> {
  const base = await getKnowledgeBase(db, workspaceId, knowledgeBase);
  const result = await db
    .deleteFrom("knowledge_watches")
    .where("id", "=", watchId)
    .where("knowledge_base_id", "=", base.id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound("watch", watchId);
}
