import { apiErrorOf, requestJson } from "../api-client.ts";

export type DocumentStatus = "queued" | "processing" | "ready" | "failed" | "needs_ocr";
export type SearchMode = "vector" | "fulltext" | "hybrid";

export interface KnowledgeBase {
  id: string;
  name: string;
  description: string;
  embeddingModel: string;
  embeddingDimensions: number | null;
  embeddingTokens: number;
  settings: {
    chunking: { strategy: string; size: number; overlap: number };
    retrieval: { mode: SearchMode; topK: number };
  };
  documents?: Partial<Record<DocumentStatus, number>>;
}

export interface KnowledgeDocument {
  id: string;
  name: string;
  status: DocumentStatus;
  error: string | null;
  progress: { percent: number; chunksDone: number; chunksTotal: number };
  chunkCount: number;
  sizeBytes: number;
  version: number;
  updatedAt: string;
}

export interface Hit {
  content: string;
  score: number;
  scores: {
    vector?: { score: number; rank: number };
    fulltext?: { score: number; rank: number };
    hybrid?: number;
  };
  citation: {
    documentId: string;
    documentName: string;
    chunkId: string;
    position: number;
    page: number | null;
  };
  /** The chunk's metadata: heading path, row… and `tokens` (`tokensEstimated` when only estimated). */
  metadata: Record<string, unknown>;
}

export type HitTest = Record<SearchMode, { hits: Hit[]; tookMs: number }>;

/** What a progress event from `/api/knowledge/events` carries. */
export interface ProgressEvent {
  documentId: string;
  status: DocumentStatus;
  percent: number;
  chunksDone: number;
  chunksTotal: number;
  error: string | null;
}

export const knowledgeApi = {
  list: () => requestJson<{ data: KnowledgeBase[] }>("/api/knowledge/datasets"),
  get: (id: string) => requestJson<KnowledgeBase>(`/api/knowledge/datasets/${encodeURIComponent(id)}`),
  create: (name: string, embeddingModel: string) =>
    requestJson<KnowledgeBase>("/api/knowledge/datasets", { method: "POST", body: { name, embeddingModel } }),
  /** Switches the embedding model and embeds every document again (old vectors serve until each is done). */
  changeEmbedder: async (id: string, embeddingModel: string) => {
    await requestJson<KnowledgeBase>(`/api/knowledge/datasets/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: { embeddingModel },
    });
    return requestJson<{ queued: number }>(`/api/knowledge/datasets/${encodeURIComponent(id)}/reindex`, {
      method: "POST",
    });
  },
  remove: (id: string) =>
    requestJson<void>(`/api/knowledge/datasets/${encodeURIComponent(id)}`, { method: "DELETE" }),
  documents: (id: string) =>
    requestJson<{ data: KnowledgeDocument[] }>(`/api/knowledge/datasets/${encodeURIComponent(id)}/documents`),
  retry: (documentId: string) =>
    requestJson<KnowledgeDocument>(`/api/knowledge/documents/${documentId}/retry`, { method: "POST" }),
  removeDocument: (documentId: string) =>
    requestJson<void>(`/api/knowledge/documents/${documentId}`, { method: "DELETE" }),
  hitTest: (id: string, query: string) =>
    requestJson<HitTest>(`/api/knowledge/datasets/${encodeURIComponent(id)}/hit-test`, {
      method: "POST",
      body: { query, topK: 5 },
    }),
  /** Sends the file as the raw body: no multipart parsing on the server, no size doubling as base64. */
  upload: async (id: string, file: File): Promise<KnowledgeDocument & { duplicate?: boolean }> => {
    const response = await fetch(
      `/api/knowledge/datasets/${encodeURIComponent(id)}/files?name=${encodeURIComponent(file.name)}`,
      {
        method: "POST",
        headers: {
          "content-type":
            file.type && file.type !== "application/json" ? file.type : "application/octet-stream",
        },
        body: file,
      },
    );
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw await apiErrorOf(response, body);
    return body as KnowledgeDocument;
  },
};
