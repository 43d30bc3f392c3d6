import {
  createKnowledgeBase,
  documentCountsByStatus,
  getKnowledgeBase,
  type KnowledgeService,
  knowledgeBaseFieldsSchema,
  knowledgeBaseUpdateSchema,
  listKnowledgeBases,
  updateKnowledgeBase,
} from "@nexus/knowledge";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import { knowledgeDocumentRoutes } from "./knowledge-document-routes.ts";
import { knowledgeEventRoutes } from "./knowledge-event-routes.ts";
import { idParams, knowledgeBaseSchema, searchBodySchema, searchResultSchema } from "./knowledge-schemas.ts";
import { knowledgeWatchRoutes } from "./knowledge-watch-routes.ts";
import { authErrors, errorSchema } from "./schemas.ts";

/**
 * `/api/knowledge/...` (issue 7): knowledge bases ("datasets"), their documents and chunks,
 * search, and ingestion progress. The knowledge service (and its ingestion worker) is the app's,
 * shared with chat agents and the workflow knowledge-retrieval node.
 */
export function knowledgeRoutes(
  dependencies: AppDependencies,
  service: KnowledgeService,
): FastifyPluginAsyncZod {
  const { store } = dependencies;
  const { db } = store;
  return async (app) => {
    const tags = ["knowledge"];
    const counts = async (knowledgeBaseId?: string) => {
      const byBase = new Map<string, Record<string, number>>();
      for (const row of await documentCountsByStatus(db)) {
        if (knowledgeBaseId && row.knowledgeBaseId !== knowledgeBaseId) continue;
        byBase.set(row.knowledgeBaseId, { ...byBase.get(row.knowledgeBaseId), [row.status]: row.count });
      }
      return byBase;
    };

    app.get(
      "/api/knowledge/status",
      {
        schema: {
          tags,
          summary: "How this server indexes knowledge: full-text engine, vector backend, built-in embedder",
        },
      },
      async (request) => {
        principalOf(request);
        return {
          store: store.dialect,
          fullText:
            store.dialect === "sqlite" ? "sqlite-fts5 (porter, bm25)" : "postgresql tsvector (english)",
          vectorBackend: service.index.vectorBackend,
          ...(store.dialect === "postgres"
            ? {
                pgvector:
                  service.index.vectorBackend === "pgvector"
                    ? `in use: ${service.index.vectorDetail}`
                    : `not used: ${service.index.vectorDetail}`,
              }
            : {}),
          builtinEmbedder: { model: "builtin", dimensions: 512 },
        };
      },
    );

    app.get(
      "/api/knowledge/datasets",
      {
        schema: {
          tags,
          summary: "The workspace's knowledge bases, with document counts by status",
          response: { 200: z.object({ data: z.array(knowledgeBaseSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const bases = await listKnowledgeBases(db, principalOf(request).workspaceId);
        const byBase = await counts();
        return { data: bases.map((base) => ({ ...base, documents: byBase.get(base.id) ?? {} })) };
      },
    );

    app.post(
      "/api/knowledge/datasets",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Create a knowledge base (embedding model `builtin` by default)",
          body: knowledgeBaseFieldsSchema,
          response: { 201: knowledgeBaseSchema, 409: errorSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createKnowledgeBase(db, principalOf(request, "admin").workspaceId, request.body)),
    );

    app.get(
      "/api/knowledge/datasets/:id",
      {
        schema: {
          tags,
          summary: "A knowledge base, by id or name",
          params: idParams,
          response: { 200: knowledgeBaseSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const base = await getKnowledgeBase(db, principalOf(request).workspaceId, request.params.id);
        return { ...base, documents: (await counts(base.id)).get(base.id) ?? {} };
      },
    );

    app.patch(
      "/api/knowledge/datasets/:id",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Change a knowledge base (a new embedding model needs a reindex)",
          params: idParams,
          body: knowledgeBaseUpdateSchema,
          response: { 200: knowledgeBaseSchema, 404: errorSchema, 409: errorSchema, ...authErrors },
        },
      },
      async (request) =>
        updateKnowledgeBase(db, principalOf(request, "admin").workspaceId, request.params.id, request.body),
    );

    app.delete(
      "/api/knowledge/datasets/:id",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Delete a knowledge base with its documents",
          params: idParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await service.deleteKnowledgeBase(principalOf(request, "admin").workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/reindex",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Embed every document again (after the embedding model changed)",
          params: idParams,
          response: { 202: z.object({ queued: z.number() }), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply.code(202).send({
          queued: await service.reindexKnowledgeBase(
            principalOf(request, "admin").workspaceId,
            request.params.id,
          ),
        }),
    );

    app.post(
      "/api/knowledge/search",
      {
        schema: {
          tags,
          summary: "Search one or more knowledge bases (vector, full-text or hybrid; optional rerank)",
          body: searchBodySchema,
          response: { 200: searchResultSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return service.retrieve(
          { workspaceId: principal.workspaceId, ...request.body },
          { apiKeyId: principal.keyId },
        );
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/hit-test",
      {
        schema: {
          tags,
          summary: "Run a query in every mode at once and show each mode's hits and scores",
          params: idParams,
          body: z
            .object({
              query: z.string().trim().min(1).max(10_000),
              topK: z.number().int().min(1).max(50).default(5),
            })
            .strict(),
          response: {
            200: z.object({
              vector: searchResultSchema,
              fulltext: searchResultSchema,
              hybrid: searchResultSchema,
            }),
            404: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const run = (mode: "vector" | "fulltext" | "hybrid") =>
          service.retrieve(
            {
              workspaceId: principal.workspaceId,
              knowledgeBaseIds: [request.params.id],
              query: request.body.query,
              topK: request.body.topK,
              mode,
              scoreThreshold: 0,
              rerankModel: null,
            },
            { apiKeyId: principal.keyId },
          );
        return { vector: await run("vector"), fulltext: await run("fulltext"), hybrid: await run("hybrid") };
      },
    );

    await app.register(
      knowledgeDocumentRoutes({
        db,
        service,
        allowedPrivateHosts: dependencies.config.chatFetchAllowedHosts,
      }),
    );
    await app.register(knowledgeEventRoutes({ events: dependencies.events }));
    await app.register(knowledgeWatchRoutes(service));
  };
}
