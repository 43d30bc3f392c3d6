import type { KnowledgeSearch } from "@nexus/chat";
import {
  createKnowledgeMetrics,
  createKnowledgeService,
  type KnowledgeService,
  parseDocument,
} from "@nexus/knowledge";
import type {
  DocumentTextExtractor,
  KnowledgeRetriever as WorkflowKnowledgeRetriever,
} from "@nexus/workflows";
import type { AppDependencies } from "./dependencies.ts";

/** The app's one knowledge service: its routes, chat agents and workflows all search through it. */
export async function openKnowledge(dependencies: AppDependencies): Promise<KnowledgeService> {
  const { store } = dependencies;
  return createKnowledgeService({
    store,
    queue: dependencies.queue,
    events: dependencies.events,
    gateway: dependencies.gateway,
    logger: dependencies.logger,
    metrics: createKnowledgeMetrics(dependencies.metrics.registry, store.db),
    allowedPrivateHosts: dependencies.config.chatFetchAllowedHosts,
    // Stored watched folders run in processes that serve ingestion and runs, not in
    // NEXUS_SERVE_RUNS=false front ends; among those, a lease per watch picks one.
    resumeWatches: dependencies.config.serveRuns,
  });
}

/** Chat agents' grounding searches the agent's knowledge bases in hybrid mode (the default). */
export function chatKnowledgeSearch(knowledge: KnowledgeService): KnowledgeSearch {
  return (request) => knowledge.retrieve(request);
}

/** The workflow document-extractor node reads files with the knowledge parsers (PDF, DOCX, HTML, CSV …). */
export const extractDocumentText: DocumentTextExtractor = async ({ bytes, filename, mimeType }) =>
  (await parseDocument(filename, mimeType, bytes)).text;

/** The workflow knowledge-retrieval node's `dataset_ids` are knowledge base ids (or names). */
export function workflowKnowledgeRetriever(knowledge: KnowledgeService): WorkflowKnowledgeRetriever {
  return {
    extractText: extractDocumentText,
    async retrieve({ workspaceId, datasetIds, query, topK, scoreThreshold, signal }) {
      const { hits } = await knowledge.retrieve(
        {
          workspaceId,
          knowledgeBaseIds: datasetIds,
          query,
          topK,
          ...(scoreThreshold ? { scoreThreshold } : {}),
        },
        { signal },
      );
      return hits.map((hit) => ({
        content: hit.content,
        title: hit.citation.documentName,
        score: hit.score,
        metadata: {
          ...hit.metadata,
          document_id: hit.citation.documentId,
          document_name: hit.citation.documentName,
          knowledge_base_id: hit.citation.knowledgeBaseId,
          segment_id: hit.citation.chunkId,
          page: hit.citation.page,
        },
      }));
    },
  };
}
