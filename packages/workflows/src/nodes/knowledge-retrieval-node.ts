import { knowledgeRetrievalDataSchema } from "../node-schemas/model-node-schemas.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

/** Retrieves passages from the workspace's knowledge bases through the injected retriever. */
export const knowledgeRetrievalNode = defineNode({
  type: "knowledge-retrieval",
  sideEffects: true,
  dataSchema: knowledgeRetrievalDataSchema,
  run: async ({ node, pool, services, signal }) => {
    const data = node.data;
    const selector = selectorOf(data.query_variable_selector);
    const query = selector ? String(pool.get(selector) ?? "") : "";
    if (!services.knowledge) throw new Error("No knowledge base is configured for workflows in this Nexus");
    const config = (data.multiple_retrieval_config ?? data.single_retrieval_config ?? {}) as {
      top_k?: number;
      score_threshold?: number | null;
    };
    const chunks = await services.knowledge.retrieve({
      workspaceId: services.workspaceId,
      datasetIds: ((data.dataset_ids as unknown[]) ?? []).map(String),
      query,
      topK: Number(config.top_k ?? 4),
      ...(typeof config.score_threshold === "number" ? { scoreThreshold: config.score_threshold } : {}),
      signal,
    });
    const result = chunks.map((chunk) => ({
      content: chunk.content,
      title: chunk.title ?? "",
      metadata: { score: chunk.score ?? null, ...(chunk.metadata ?? {}) },
    }));
    return { outputs: { result }, inputs: { query } };
  },
});
