import type { Database, KnowledgeDocumentStatus, KnowledgeDocumentTable } from "@nexus/core";
import { notFound } from "@nexus/core";
import type { Kysely, Selectable } from "kysely";

export interface DocumentProgress {
  percent: number;
  chunksDone: number;
  chunksTotal: number;
}

export interface KnowledgeDocument {
  id: string;
  knowledgeBaseId: string;
  workspaceId: string;
  name: string;
  source: string;
  sourceUri: string | null;
  mimeType: string;
  sizeBytes: number;
  contentHash: string;
  status: KnowledgeDocumentStatus;
  error: string | null;
  version: number;
  progress: DocumentProgress;
  metadata: Record<string, unknown>;
  chunkCount: number;
  changedAt: string;
  indexedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Columns of a listing: never the parsed text. */
export const documentColumns = [
  "id",
  "knowledge_base_id",
  "workspace_id",
  "name",
  "source",
  "source_uri",
  "mime_type",
  "size_bytes",
  "content_hash",
  "status",
  "error",
  "version",
  "progress",
  "metadata",
  "chunk_count",
  "changed_at",
  "indexed_at",
  "created_at",
  "updated_at",
] as const;

export function documentOf(row: Omit<Selectable<KnowledgeDocumentTable>, "parsed_text">): KnowledgeDocument {
  return {
    id: row.id,
    knowledgeBaseId: row.knowledge_base_id,
    workspaceId: row.workspace_id,
    name: row.name,
    source: row.source,
    sourceUri: row.source_uri,
    mimeType: row.mime_type,
    sizeBytes: Number(row.size_bytes),
    contentHash: row.content_hash,
    status: row.status,
    error: row.error,
    version: Number(row.version),
    progress: {
      percent: 0,
      chunksDone: 0,
      chunksTotal: 0,
      ...(JSON.parse(row.progress) as Partial<DocumentProgress>),
    },
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    chunkCount: Number(row.chunk_count),
    changedAt: row.changed_at,
    indexedAt: row.indexed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listDocuments(
  db: Kysely<Database>,
  knowledgeBaseId: string,
  options: { status?: KnowledgeDocumentStatus; limit?: number; offset?: number } = {},
): Promise<KnowledgeDocument[]> {
  let query = db
    .selectFrom("knowledge_documents")
    .select(documentColumns)
    .where("knowledge_base_id", "=", knowledgeBaseId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0);
  if (options.status) query = query.where("status", "=", options.status);
  return (await query.execute()).map(documentOf);
}

/** A document of the workspace (a document of another workspace is not found). */
export async function getDocument(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<KnowledgeDocument> {
  const row = await db
    .selectFrom("knowledge_documents")
    .select(documentColumns)
    .where("id", "=", id)
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound("document", id);
  return documentOf(row);
}

export async function documentCountsByStatus(
  db: Kysely<Database>,
): Promise<Array<{ knowledgeBaseId: string; status: string; count: number }>> {
  const rows = await db
    .selectFrom("knowledge_documents")
    .select(["knowledge_base_id", "status", (eb) => eb.fn.countAll<number>().as("count")])
    .groupBy(["knowledge_base_id", "status"])
    .execute();
  return rows.map((row) => ({
    knowledgeBaseId: row.knowledge_base_id,
    status: row.status,
    count: Number(row.count),
  }));
}
