/** One passage a knowledge base returned. */
export interface RetrievedChunk {
  content: string;
  title?: string;
  score?: number;
  metadata?: Record<string, unknown>;
}

/**
 * What the knowledge-retrieval node calls. The knowledge package implements it; the server
 * passes it to the engine. Without one, the node fails with "no knowledge base configured".
 */
export interface KnowledgeRetriever {
  /**
   * The passages of the given knowledge bases that best answer `query`, best first.
   * @param options.datasetIds the node's `dataset_ids` (knowledge base ids in this workspace)
   */
  retrieve(options: {
    workspaceId: string;
    datasetIds: string[];
    query: string;
    topK: number;
    scoreThreshold?: number;
    signal: AbortSignal;
  }): Promise<RetrievedChunk[]>;
  /** Reads documents for the document-extractor node; without it, it reads plain text files only. */
  extractText?: DocumentTextExtractor;
}

/** A file handed to a document text extractor. */
export interface DocumentFile {
  bytes: Buffer;
  /** The file name; its extension picks the format when the bytes do not. */
  filename: string;
  mimeType: string;
}

/**
 * Reads the text of a document (PDF, DOCX, HTML, Markdown, CSV …) for the document-extractor
 * node. The knowledge package's parsers implement it; the server passes it in with the knowledge
 * retriever (`KnowledgeRetriever.extractText`). Throws an Error saying why a file has no text.
 */
export type DocumentTextExtractor = (file: DocumentFile) => Promise<string>;
