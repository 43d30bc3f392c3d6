import { type Database, invalidRequest, notFound } from "@nexus/core";
import {
  fetchForImport,
  getDocument,
  getKnowledgeBase,
  type KnowledgeService,
  listDocuments,
} from "@nexus/knowledge";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { z } from "zod";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import {
  chunkSchema,
  documentBodySchema,
  documentSchema,
  idParams,
  pushDataBodySchema,
  urlImportBodySchema,
} from "./knowledge-schemas.ts";
import { authErrors, errorSchema } from "./schemas.ts";

/** Largest original file; a base64 JSON body may be a third bigger. */
export const maxUploadBytes = 50 * 1024 * 1024;

const documentQuery = z
  .object({
    status: z.enum(["queued", "processing", "ready", "failed", "needs_ocr"]).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** Documents of knowledge bases: upload (raw bytes or JSON), push, URL import, chunks, retry. */
export function knowledgeDocumentRoutes(options: {
  db: Kysely<Database>;
  service: KnowledgeService;
  allowedPrivateHosts: readonly string[];
}): FastifyPluginAsyncZod {
  const { db, service } = options;
  return async (app) => {
    const tags = ["knowledge"];
    // Raw uploads: any content type that is not JSON is the file itself (this plugin's routes only).
    app.removeContentTypeParser("text/plain");
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxUploadBytes }, (_request, body, done) =>
      done(null, body),
    );
    const created = (result: Awaited<ReturnType<KnowledgeService["addDocument"]>>) => ({
      status: result.duplicate ? (200 as const) : (201 as const),
      body: { ...result.document, duplicate: result.duplicate },
    });

    app.get(
      "/api/knowledge/datasets/:id/documents",
      {
        schema: {
          tags,
          summary: "Documents of a knowledge base with their status and progress, newest first",
          params: idParams,
          querystring: documentQuery,
          response: { 200: z.object({ data: z.array(documentSchema) }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const base = await getKnowledgeBase(db, principalOf(request).workspaceId, request.params.id);
        return { data: await listDocuments(db, base.id, request.query) };
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/documents",
      {
        bodyLimit: Math.ceil(maxUploadBytes * 1.4),
        schema: {
          tags,
          summary:
            "Add a document as text or as a base64 file (201; 200 with duplicate: true when the content is already there)",
          params: idParams,
          body: documentBodySchema,
          response: {
            200: documentSchema,
            201: documentSchema,
            404: errorSchema,
            413: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { name, text, contentBase64, mimeType, metadata } = request.body;
        if (contentBase64 !== undefined && !/^[A-Za-z0-9+/=\s]*$/.test(contentBase64))
          throw invalidRequest("contentBase64 is not base64", "contentBase64");
        const data =
          text !== undefined ? Buffer.from(text, "utf8") : Buffer.from(contentBase64 ?? "", "base64");
        const result = await service.addDocument(principalOf(request).workspaceId, request.params.id, {
          name,
          data,
          source: text !== undefined ? "text" : "file",
          ...(mimeType ? { mimeType } : text !== undefined ? { mimeType: "text/plain" } : {}),
          ...(metadata ? { metadata } : {}),
        });
        const { status, body } = created(result);
        return reply.code(status).send(body);
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/files",
      {
        bodyLimit: maxUploadBytes,
        schema: {
          tags,
          summary: "Upload a file as the raw request body (`?name=report.pdf`, any content type but JSON)",
          params: idParams,
          querystring: z.object({ name: z.string().trim().min(1).max(255) }).strict(),
          response: {
            200: documentSchema,
            201: documentSchema,
            404: errorSchema,
            413: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          throw invalidRequest(
            "send the file as the request body with a non-JSON content type (e.g. application/octet-stream)",
          );
        const mimeType = request.headers["content-type"]?.split(";")[0]?.trim();
        const result = await service.addDocument(principalOf(request).workspaceId, request.params.id, {
          name: request.query.name,
          data: request.body,
          source: "file",
          ...(mimeType && mimeType !== "application/octet-stream" ? { mimeType } : {}),
        });
        const { status, body } = created(result);
        return reply.code(status).send(body);
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/push",
      {
        bodyLimit: 20 * 1024 * 1024,
        schema: {
          tags,
          summary: "FastGPT-style pushData: up to 1000 records ({ q, a? }) at once, each a document",
          params: idParams,
          body: pushDataBodySchema,
          response: {
            200: z.object({
              insertLen: z.number(),
              duplicates: z.number(),
              documentIds: z.array(z.string()),
            }),
            404: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const workspaceId = principalOf(request).workspaceId;
        await getKnowledgeBase(db, workspaceId, request.params.id);
        const documentIds: string[] = [];
        let duplicates = 0;
        for (const [index, item] of request.body.data.entries()) {
          const text = item.a ? `${item.q}\n\n${item.a}` : item.q;
          const result = await service.addDocument(workspaceId, request.params.id, {
            name: item.name ?? (item.q.slice(0, 60).replace(/\s+/g, " ").trim() || `record ${index + 1}`),
            data: Buffer.from(text, "utf8"),
            mimeType: "text/plain",
            source: "push",
            ...(item.metadata ? { metadata: item.metadata } : {}),
          });
          if (result.duplicate) duplicates++;
          documentIds.push(result.document.id);
        }
        return { insertLen: documentIds.length - duplicates, duplicates, documentIds };
      },
    );

    app.post(
      "/api/knowledge/datasets/:id/urls",
      {
        schema: {
          tags,
          summary: "Import web pages (main content) by URL; private addresses are refused",
          params: idParams,
          body: urlImportBodySchema,
          response: {
            200: z.object({ data: z.array(documentSchema) }),
            404: errorSchema,
            422: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const workspaceId = principalOf(request).workspaceId;
        await getKnowledgeBase(db, workspaceId, request.params.id);
        const data = [];
        for (const url of request.body.urls) {
          const page = await fetchForImport(url, {
            allowedPrivateHosts: options.allowedPrivateHosts,
            maxBytes: maxUploadBytes,
          });
          const result = await service.addDocument(workspaceId, request.params.id, {
            name: page.name,
            data: page.data,
            mimeType: page.mimeType,
            source: "url",
            sourceUri: page.url,
            ...(request.body.metadata ? { metadata: request.body.metadata } : {}),
          });
          data.push({ ...result.document, duplicate: result.duplicate });
        }
        return { data };
      },
    );

    app.get(
      "/api/knowledge/documents/:id",
      {
        schema: {
          tags,
          summary: "A document with its status, error and progress",
          params: idParams,
          response: { 200: documentSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => getDocument(db, principalOf(request).workspaceId, request.params.id),
    );

    app.get(
      "/api/knowledge/documents/:id/file",
      { schema: { tags, summary: "The document's original file", params: idParams } },
      async (request, reply) => {
        const document = await getDocument(db, principalOf(request).workspaceId, request.params.id);
        const file = await db
          .selectFrom("knowledge_files")
          .select("data")
          .where("document_id", "=", document.id)
          .executeTakeFirst();
        if (!file) throw notFound("file of document", document.id);
        return reply
          .header("content-type", document.mimeType)
          .header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(document.name)}`)
          .send(Buffer.from(file.data));
      },
    );

    app.delete(
      "/api/knowledge/documents/:id",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Delete a document and its chunks",
          params: idParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await service.deleteDocument(principalOf(request, "admin").workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/knowledge/documents/:id/retry",
      {
        schema: {
          tags,
          summary: "Index a document again (after a failure)",
          params: idParams,
          response: { 202: documentSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(await service.retryDocument(principalOf(request).workspaceId, request.params.id)),
    );

    app.get(
      "/api/knowledge/documents/:id/chunks",
      {
        schema: {
          tags,
          summary: "A document's chunks in order",
          params: idParams,
          querystring: z
            .object({
              limit: z.coerce.number().int().min(1).max(1000).default(200),
              offset: z.coerce.number().int().min(0).default(0),
            })
            .strict(),
          response: { 200: z.object({ data: z.array(chunkSchema) }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const document = await getDocument(db, principalOf(request).workspaceId, request.params.id);
        const rows = await db
          .selectFrom("knowledge_chunks")
          .select([
            "id",
            "document_id",
            "position",
            "content",
            "parent_content",
            "page",
            "metadata",
            "edited",
          ])
          .where("document_id", "=", document.id)
          .orderBy("position")
          .limit(request.query.limit)
          .offset(request.query.offset)
          .execute();
        return {
          data: rows.map((row) => ({
            id: row.id,
            documentId: row.document_id,
            position: row.position,
            content: row.content,
            parentContent: row.parent_content,
            page: row.page,
            metadata: JSON.parse(row.metadata) as Record<string, unknown>,
            edited: row.edited === 1,
          })),
        };
      },
    );

    app.patch(
      "/api/knowledge/chunks/:id",
      {
        schema: {
          tags,
          summary: "Edit a chunk's text; only this chunk is embedded again",
          params: idParams,
          body: z.object({ content: z.string().trim().min(1, "must not be empty").max(100_000) }).strict(),
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        await service.updateChunk(principal.workspaceId, request.params.id, request.body.content, {
          apiKeyId: principal.keyId,
        });
        return reply.code(204).send();
      },
    );
  };
}
