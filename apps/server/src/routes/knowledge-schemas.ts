import { knowledgeSettingsSchema, retrievalFiltersSchema, searchModes } from "@nexus/knowledge";
import { z } from "zod";

export const knowledgeBaseSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  embeddingModel: z.string(),
  embeddingDimensions: z.number().nullable(),
  settings: knowledgeSettingsSchema,
  embeddingTokens: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  documents: z.record(z.string(), z.number()).optional(),
});

export const documentSchema = z.object({
  id: z.string(),
  knowledgeBaseId: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  source: z.string(),
  sourceUri: z.string().nullable(),
  mimeType: z.string(),
  sizeBytes: z.number(),
  contentHash: z.string(),
  status: z.enum(["queued", "processing", "ready", "failed", "needs_ocr"]),
  error: z.string().nullable(),
  version: z.number(),
  progress: z.object({ percent: z.number(), chunksDone: z.number(), chunksTotal: z.number() }),
  metadata: z.record(z.string(), z.unknown()),
  chunkCount: z.number(),
  changedAt: z.string(),
  indexedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  duplicate: z.boolean().optional(),
});

export const idParams = z.object({ id: z.string().min(1).max(128) });

const metadataSchema = z.record(
  z.string().max(100),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);

/** A document pushed as JSON: its text, or a file's bytes in base64. */
export const documentBodySchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    text: z.string().optional(),
    contentBase64: z.string().optional(),
    mimeType: z.string().max(200).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .refine((body) => (body.text === undefined) !== (body.contentBase64 === undefined), {
    message: "send exactly one of 'text' and 'contentBase64'",
  });

/** FastGPT-style pushData: many small records at once, each a document. */
export const pushDataBodySchema = z
  .object({
    data: z
      .array(
        z
          .object({
            q: z.string().min(1).max(100_000),
            a: z.string().max(100_000).optional(),
            name: z.string().min(1).max(255).optional(),
            metadata: metadataSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const urlImportBodySchema = z
  .object({ urls: z.array(z.string().min(1).max(4000)).min(1).max(50), metadata: metadataSchema.optional() })
  .strict();

export const searchBodySchema = z
  .object({
    knowledgeBaseIds: z.array(z.string().min(1).max(128)).min(1).max(20),
    query: z.string().trim().min(1, "must not be empty").max(10_000),
    mode: z.enum(searchModes).optional(),
    topK: z.number().int().min(1).max(200).optional(),
    scoreThreshold: z.number().min(0).optional(),
    filters: retrievalFiltersSchema.optional(),
    rerankModel: z.string().min(1).max(256).nullable().optional(),
  })
  .strict();

export const hitSchema = z.object({
  content: z.string(),
  score: z.number(),
  scores: z.object({
    vector: z.object({ score: z.number(), rank: z.number() }).optional(),
    fulltext: z.object({ score: z.number(), rank: z.number() }).optional(),
    hybrid: z.number().optional(),
    rerank: z.number().optional(),
  }),
  citation: z.object({
    knowledgeBaseId: z.string(),
    documentId: z.string(),
    documentName: z.string(),
    chunkId: z.string(),
    position: z.number(),
    page: z.number().nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
});

export const searchResultSchema = z.object({
  hits: z.array(hitSchema),
  mode: z.enum(searchModes),
  reranked: z.boolean(),
  tookMs: z.number(),
});

export const chunkSchema = z.object({
  id: z.string(),
  documentId: z.string(),
  position: z.number(),
  content: z.string(),
  parentContent: z.string().nullable(),
  page: z.number().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  edited: z.boolean(),
});
