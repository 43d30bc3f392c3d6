import { createSiteToken, createSiteTokenSchema, listSiteTokens, revokeSiteToken } from "@nexus/chat";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import { authErrors, errorSchema } from "./schemas.ts";
import { siteTokenInfoSchema } from "./widget-schemas.ts";

/**
 * `/api/widget/tokens`: the workspace's widget site tokens; admins and owners only. A token is
 * shown once, when it is created; revoking it stops every page using it at once.
 */
export function widgetTokenRoutes({ store }: Pick<AppDependencies, "store">): FastifyPluginAsyncZod {
  const { db } = store;
  return async (app) => {
    const tags = ["widget"];
    const admin = requireRole("admin");

    app.get(
      "/api/widget/tokens",
      {
        preValidation: admin,
        schema: {
          tags,
          summary: "The workspace's widget site tokens (never the tokens themselves)",
          querystring: z.strictObject({ includeRevoked: z.enum(["true", "false"]).optional() }),
          response: { 200: z.object({ data: z.array(siteTokenInfoSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request, "admin");
        const includeRevoked = request.query.includeRevoked === "true";
        return { data: await listSiteTokens(db, workspaceId, { includeRevoked }) };
      },
    );

    app.post(
      "/api/widget/tokens",
      {
        preValidation: admin,
        schema: {
          tags,
          summary:
            "Create a publishable site token for an agent's chat bubble (origins, rate limits, theme); the token is returned once",
          body: createSiteTokenSchema,
          response: { 201: siteTokenInfoSchema.extend({ token: z.string() }), ...authErrors },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        const { token, info } = await createSiteToken(db, workspaceId, request.body);
        return reply.code(201).send({ ...info, token });
      },
    );

    app.delete(
      "/api/widget/tokens/:id",
      {
        preValidation: admin,
        schema: {
          tags,
          summary: "Revoke a site token: every page using it stops working at once",
          params: z.object({ id: z.string().min(1).max(128) }),
          response: { 200: siteTokenInfoSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request, "admin");
        return revokeSiteToken(db, workspaceId, request.params.id);
      },
    );
  };
}
