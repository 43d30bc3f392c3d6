import { z } from "zod";

export const chunkingStrategies = ["general", "markdown", "parent-child", "qa"] as const;
export const searchModes = ["vector", "fulltext", "hybrid"] as const;
export type SearchMode = (typeof searchModes)[number];

/**
 * How a knowledge base splits documents. Sizes are in tokens of the embedding model: chunkers cut
 * by core's `estimateTextTokens`, then ingestion counts with the model's tokenizer and re-splits any chunk
 * over `size` (or over the model's input limit), so none is over in real tokens.
 */
export const chunkingSettingsSchema = z
  .object({
    strategy: z.enum(chunkingStrategies).default("general"),
    /** Largest chunk (for parent-child: the child). */
    size: z.number().int().min(20).max(8000).default(400),
    /** Tokens repeated from the end of one chunk at the start of the next. */
    overlap: z.number().int().min(0).max(2000).default(40),
    /** Split points, tried in order (paragraph, line, sentence, word by default). */
    separators: z.array(z.string().min(1).max(20)).max(20).optional(),
    /** Parent-child: the size of the parent returned for a hit on one of its children. */
    parentSize: z.number().int().min(50).max(20000).default(1600),
    /** QA: the gateway alias that writes question-answer pairs. */
    qaModel: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine((value) => value.overlap < value.size, {
    message: "overlap must be smaller than size",
    path: ["overlap"],
  });

export const retrievalSettingsSchema = z
  .object({
    mode: z.enum(searchModes).default("hybrid"),
    topK: z.number().int().min(1).max(200).default(5),
    /** Hits scoring below this are dropped (the final score: cosine, BM25, normalised RRF or rerank). */
    scoreThreshold: z.number().min(0).default(0),
    /** A gateway alias that reranks the fused candidates. */
    rerankModel: z.string().min(1).max(256).optional(),
  })
  .strict();

/** Alert rules of a knowledge base: a JSON POST to `webhookUrl` when a threshold is passed. */
export const alertSettingsSchema = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    /** Fires when a document took longer than this from change to searchable. */
    maxLagSeconds: z.number().min(0).optional(),
    /** Fires when this many documents of the knowledge base are failed. */
    maxFailures: z.number().int().min(1).optional(),
    /** Quiet time after an alert before the same rule fires again; default 300. */
    cooldownSeconds: z.number().min(0).default(300),
  })
  .strict();

export const knowledgeSettingsSchema = z
  .object({
    chunking: chunkingSettingsSchema.default(chunkingSettingsSchema.parse({})),
    retrieval: retrievalSettingsSchema.default(retrievalSettingsSchema.parse({})),
    alerts: alertSettingsSchema.optional(),
  })
  .strict();

export type ChunkingSettings = z.infer<typeof chunkingSettingsSchema>;
export type RetrievalSettings = z.infer<typeof retrievalSettingsSchema>;
export type KnowledgeSettings = z.infer<typeof knowledgeSettingsSchema>;
export type AlertSettings = z.infer<typeof alertSettingsSchema>;
