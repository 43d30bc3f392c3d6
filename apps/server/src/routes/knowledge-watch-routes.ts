import { type KnowledgeService, watchFieldsSchema } from "@nexus/knowledge";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import { idParams } from "./knowledge-schemas.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const watchSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  knowledgeBaseId: z.string(),
  folder: z.string(),
  options: z.object({ debounceMs: z.number().optional() }),
  ownerId: z.string().nullable(),
  leaseUntil: z.string().nullable(),
  createdAt: z.string(),
});

/**
 * Watched folders of a knowledge base: stored, so the server resumes them after a restart and
 * catches up on files changed meanwhile. A folder is a path on the server's machine, so only
 * admins set one up.
 */
export function knowledgeWatchRoutes(service: KnowledgeService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ["knowledge"];

    app.get(
      "/api/knowledge/datasets/:id/watches",
      {
        schema: {
          tags,
          summary: "The folders a knowledge base keeps in step with",
          params: idParams,
          response: { 200: z.object({ data: z.array(watchSchema) }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => ({
        data: await service.listWatches(principalOf(request).workspaceId, request.params.id),
      }),
    );

    app.post(
      "/api/knowledge/datasets/:id/watches",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Watch a folder on the server: its files become documents, changes are re-ingested",
          params: idParams,
          body: watchFieldsSchema,
          response: { 201: watchSchema, 404: errorSchema, 409: errorSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await service.addWatch(
              principalOf(request, "admin").workspaceId,
              request.params.id,
              request.body,
            ),
          ),
    );

    app.delete(
      "/api/knowledge/datasets/:id/watches/:watchId",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Stop watching a folder (its documents stay)",
          params: idParams.extend({ watchId: z.string().min(1).max(128) }),
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await service.removeWatch(
          principalOf(request, "admin").workspaceId,
          request.params.id,
          request.params.watchId,
        );
        return reply.code(204).send();
      },
    );
  };
}
