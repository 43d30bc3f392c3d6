import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { documentCountsByStatus } from "./store/document-store.ts";

/** Prometheus metrics of knowledge bases, labelled by knowledge base id. */
export interface KnowledgeMetrics {
  ingestionLagSeconds: Histogram<"knowledge_base">;
  embeddingTokens: Counter<"knowledge_base">;
  searchSeconds: Histogram<"knowledge_base" | "mode">;
}

/**
 * Registers the knowledge metrics. Documents by status and the queue depth (documents queued or
 * processing) are read from the store at each scrape, so every replica reports the same numbers.
 */
export function createKnowledgeMetrics(registry: Registry, db: Kysely<Database>): KnowledgeMetrics {
  new Gauge({
    name: "nexus_knowledge_documents",
    help: "Documents per knowledge base and status",
    labelNames: ["knowledge_base", "status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await documentCountsByStatus(db))
        this.set({ knowledge_base: row.knowledgeBaseId, status: row.status }, row.count);
    },
  });
  new Gauge({
    name: "nexus_knowledge_queue_depth",
    help: "Documents waiting for or in ingestion, per knowledge base",
    labelNames: ["knowledge_base"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await documentCountsByStatus(db)) {
        if (row.status === "queued" || row.status === "processing")
          this.inc({ knowledge_base: row.knowledgeBaseId }, row.count);
      }
    },
  });
  return {
    ingestionLagSeconds: new Histogram({
      name: "nexus_knowledge_ingestion_lag_seconds",
      help: "Time from a document's change to its new version being searchable",
      labelNames: ["knowledge_base"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    embeddingTokens: new Counter({
      name: "nexus_knowledge_embedding_tokens_total",
      help: "Tokens embedded for knowledge bases",
      labelNames: ["knowledge_base"],
      registers: [registry],
    }),
    searchSeconds: new Histogram({
      name: "nexus_knowledge_search_seconds",
      help: "Knowledge search latency by mode",
      labelNames: ["knowledge_base", "mode"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
