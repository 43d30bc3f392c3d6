import { createHash } from "node:crypto";
import { type Database, type EventBus, type KnowledgeDocumentStatus, newId } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import type { Kysely } from "kysely";
import type { ChunkDraft } from "../chunkers/chunker.ts";
import { chunkers } from "../chunkers/chunker-registry.ts";
import type { EmbedContext, Embedder } from "../embedders/embedder.ts";
import { bytesToVector } from "../embedders/embedder.ts";
import type { ChunkIndex, NewChunk } from "../index/chunk-index.ts";
import { DocumentError } from "../parsers/document-parser.ts";
import { parseDocument } from "../parsers/parser-registry.ts";
import { getKnowledgeBase, type KnowledgeBase } from "../store/knowledge-base-store.ts";
import { fitChunksToModel } from "./fit-chunks.ts";
import { type DocumentProgressEvent, documentProgressTopic } from "./knowledge-events.ts";

/** A document cut into more chunks than this is refused (a runaway file, not a document). */
export const maxChunksPerDocument = 50_000;
const embedBatch = 64;

export interface ProcessDependencies {
  db: Kysely<Database>;
  index: ChunkIndex;
  events: EventBus;
  gateway?: Pick<Gateway, "generate">;
  embedderFor(knowledgeBase: KnowledgeBase): Embedder;
  /** Called once a new version is searchable: seconds from the change to now, tokens embedded. */
  onIndexed?(knowledgeBaseId: string, lagSeconds: number, tokens: number): void;
}

export const contentHash = (text: string) => createHash("sha256").update(text).digest("hex");

function assertChunkCount(name: string, count: number): void {
  if (count > maxChunksPerDocument) {
    throw new DocumentError(
      `${name} makes ${count} chunks, more than the ${maxChunksPerDocument} allowed per document`,
    );
  }
}

/**
 * Indexes one version of a document: parse, chunk, embed what is new, then in one transaction
 * replace the document's chunks and mark it ready. Until that transaction commits, searches see
 * the previous version (or nothing); a crash before it leaves the previous version whole and the
 * queue runs the job again. Chunks whose text is unchanged keep their ids and embeddings.
 * Returns the final status; throws only for errors worth retrying (the embedder failing).
 */
export async function processDocument(
  dependencies: ProcessDependencies,
  job: { documentId: string; contentHash: string; reembed?: boolean },
): Promise<KnowledgeDocumentStatus | "superseded"> {
  const { db, index } = dependencies;
  const document = await db
    .selectFrom("knowledge_documents")
    .select([
      "id",
      "workspace_id",
      "knowledge_base_id",
      "name",
      "mime_type",
      "content_hash",
      "version",
      "changed_at",
    ])
    .where("id", "=", job.documentId)
    .executeTakeFirst();
  if (!document || document.content_hash !== job.contentHash) return "superseded";
  const base = await getKnowledgeBase(db, document.workspace_id, document.knowledge_base_id);
  const publish = async (
    status: KnowledgeDocumentStatus,
    progress: { percent: number; chunksDone: number; chunksTotal: number },
    error: string | null,
    version = document.version,
  ) => {
    await db
      .updateTable("knowledge_documents")
      .set({ status, error, progress: JSON.stringify(progress), updated_at: new Date().toISOString() })
      .where("id", "=", document.id)
      .where("content_hash", "=", job.contentHash)
      .execute();
    const event: DocumentProgressEvent = {
      workspaceId: document.workspace_id,
      knowledgeBaseId: document.knowledge_base_id,
      documentId: document.id,
      status,
      ...progress,
      error,
      version,
    };
    await dependencies.events.publish(documentProgressTopic, event);
  };
  const context: EmbedContext = {
    workspaceId: document.workspace_id,
    apiKeyId: null,
    signal: AbortSignal.timeout(10 * 60_000),
  };

  await publish("processing", { percent: 0, chunksDone: 0, chunksTotal: 0 }, null);
  const embedder = dependencies.embedderFor(base);
  let drafts: ChunkDraft[];
  let parsedText: string;
  try {
    const file = await db
      .selectFrom("knowledge_files")
      .select("data")
      .where("document_id", "=", document.id)
      .executeTakeFirstOrThrow();
    const parsed = await parseDocument(document.name, document.mime_type, Buffer.from(file.data));
    parsedText = parsed.text;
    const chunker = chunkers[base.settings.chunking.strategy];
    drafts = await chunker.doChunk(parsed.sections, base.settings.chunking, {
      ...(dependencies.gateway ? { gateway: dependencies.gateway } : {}),
      embedContext: context,
    });
    if (drafts.length === 0) throw new DocumentError(`${document.name} holds no text`);
    assertChunkCount(document.name, drafts.length);
    // Cut by an estimate above; counted in the embedding model's tokens (and re-cut) here.
    drafts = await fitChunksToModel(drafts, {
      embedder,
      settings: base.settings.chunking,
      context,
    });
    assertChunkCount(document.name, drafts.length);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    await publish(error.status, { percent: 100, chunksDone: 0, chunksTotal: 0 }, error.message);
    return error.status;
  }

  const hashes = drafts.map((draft) => contentHash(draft.content));
  const existing = await db
    .selectFrom("knowledge_chunks")
    .select(["key", "id", "content_hash", "embedding"])
    .where("document_id", "=", document.id)
    .execute();
  const reusable = new Map<string, { id: string; embedding: Float32Array | null }>();
  for (const row of existing) {
    if (row.embedding)
      reusable.set(row.content_hash, { id: row.id, embedding: bytesToVector(row.embedding) });
  }
  const toEmbed = [...new Set(hashes.filter((hash) => !reusable.has(hash)))];
  const textByHash = new Map(drafts.map((draft, position) => [hashes[position] as string, draft.content]));
  const fresh = new Map<string, Float32Array>();
  let tokens = 0;
  const total = drafts.length;
  for (let start = 0; start < toEmbed.length; start += embedBatch) {
    const batch = toEmbed.slice(start, start + embedBatch);
    const result = await embedder.embedDocuments(
      batch.map((hash) => textByHash.get(hash) as string),
      context,
    );
    for (const [offset, hash] of batch.entries()) fresh.set(hash, result.vectors[offset] as Float32Array);
    tokens += result.tokens;
    const done = total - toEmbed.length + Math.min(toEmbed.length, start + embedBatch);
    await publish(
      "processing",
      { percent: Math.min(99, Math.round((done / total) * 100)), chunksDone: done, chunksTotal: total },
      null,
    );
  }
  const dimensions = [...fresh.values()][0]?.length;
  if (
    dimensions !== undefined &&
    base.embeddingDimensions !== null &&
    dimensions !== base.embeddingDimensions
  ) {
    await publish(
      "failed",
      { percent: 100, chunksDone: 0, chunksTotal: total },
      `the embedding model '${base.embeddingModel}' returned ${dimensions}-dimensional vectors but this knowledge base holds ${base.embeddingDimensions}-dimensional ones; re-embed the knowledge base`,
    );
    return "failed";
  }

  const usedIds = new Set<string>();
  const chunks: NewChunk[] = drafts.map((draft, position) => {
    const hash = hashes[position] as string;
    const previous = reusable.get(hash);
    const id = previous && !usedIds.has(previous.id) ? previous.id : newId("chunk");
    usedIds.add(id);
    return {
      id,
      knowledgeBaseId: base.id,
      workspaceId: base.workspaceId,
      documentId: document.id,
      position,
      content: draft.content,
      contentHash: hash,
      parentContent: draft.parentContent ?? null,
      page: draft.page ?? null,
      metadata: draft.metadata,
      embedding: fresh.get(hash) ?? previous?.embedding ?? null,
    };
  });
  const now = new Date().toISOString();
  const committed = await db.transaction().execute(async (transaction) => {
    const current = await transaction
      .selectFrom("knowledge_documents")
      .select(["content_hash", "version"])
      .where("id", "=", document.id)
      .executeTakeFirst();
    // Changed again (or deleted) while this version was embedded: the newer job indexes it.
    if (!current || current.content_hash !== job.contentHash) return false;
    await index.remove(
      transaction,
      base.id,
      existing.map((row) => Number(row.key)),
    );
    await index.insert(transaction, chunks);
    await transaction
      .updateTable("knowledge_documents")
      .set({
        status: "ready",
        error: null,
        version: Number(current.version) + 1,
        progress: JSON.stringify({ percent: 100, chunksDone: total, chunksTotal: total }),
        parsed_text: parsedText,
        chunk_count: chunks.length,
        indexed_at: now,
        updated_at: now,
      })
      .where("id", "=", document.id)
      .execute();
    await transaction
      .updateTable("knowledge_bases")
      .set((eb) => ({
        embedding_tokens: eb("embedding_tokens", "+", tokens),
        ...(dimensions !== undefined && base.embeddingDimensions === null
          ? { embedding_dimensions: dimensions }
          : {}),
      }))
      .where("id", "=", base.id)
      .execute();
    return true;
  });
  if (!committed) return "superseded";
  dependencies.onIndexed?.(base.id, (Date.parse(now) - Date.parse(document.changed_at)) / 1000, tokens);
  await dependencies.events.publish(documentProgressTopic, {
    workspaceId: base.workspaceId,
    knowledgeBaseId: base.id,
    documentId: document.id,
    status: "ready",
    percent: 100,
    chunksDone: total,
    chunksTotal: total,
    error: null,
    version: document.version + 1,
  } satisfies DocumentProgressEvent);
  return "ready";
}
