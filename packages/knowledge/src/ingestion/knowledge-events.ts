import type { KnowledgeDocumentStatus } from "@nexus/core";

/** Topic of every document's ingestion progress on core.events. */
export const documentProgressTopic = "knowledge.document.progress";

export interface DocumentProgressEvent {
  workspaceId: string;
  knowledgeBaseId: string;
  documentId: string;
  status: KnowledgeDocumentStatus;
  percent: number;
  chunksDone: number;
  chunksTotal: number;
  /** Why the document failed (or a retry's cause while it waits to be tried again). */
  error: string | null;
  version: number;
}
