import { createApiKey, listApiKeys, NexusError, revokeApiKey } from "@nexus/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Authenticator } from "../auth/authenticator.ts";
import type { AppDependencies } from "../dependencies.ts";
import { hasRole, principalOf } from "../plugins/authentication.ts";
import { apiKeyInfoSchema, authErrors, errorSchema, roleSchema } from "./schemas.ts";

/** API key management within the caller's workspace; admin and owner only. */
export function keyRoutes({ store }: AppDependencies, authenticator: Authenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/keys",
      {
        schema: {
          tags: ["keys"],
          summary: "Create an API key in the caller's workspace; the key is returned once",
          body: z
            .object({
              name: z.string().trim().min(1).max(100).optional(),
              role: roleSchema.default("member"),
            })
            .strict(),
          response: { 201: apiKeyInfoSchema.extend({ key: z.string() }), ...authErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request, "admin");
        const { name, role } = request.body;
        if (!hasRole(principal, role)) {
          throw new NexusError("permission_denied", `An ${principal.role} cannot create an ${role} key`);
        }
        const { key, info } = await createApiKey(store.db, {
          workspaceId: principal.workspaceId,
          role,
          name,
        });
        return reply.status(201).send({ ...info, key });
      },
    );

    app.get(
      "/api/keys",
      {
        schema: {
          tags: ["keys"],
          summary: "List the workspace's API keys (never the keys themselves)",
          querystring: z.object({ includeRevoked: z.enum(["true", "false"]).optional() }).strict(),
          response: { 200: z.object({ data: z.array(apiKeyInfoSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request, "admin");
        const includeRevoked = request.query.includeRevoked === "true";
        return { data: await listApiKeys(store.db, principal.workspaceId, { includeRevoked }) };
      },
    );

    app.delete(
      "/api/keys/:id",
      {
        schema: {
          tags: ["keys"],
          summary: "Revoke an API key of the caller's workspace",
          params: z.object({ id: z.string().max(100) }),
          response: { 200: apiKeyInfoSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request, "admin");
        const info = await revokeApiKey(store.db, principal.workspaceId, request.params.id);
        await authenticator.keyRevoked(info.id);
        return info;
      },
    );
  };
}
