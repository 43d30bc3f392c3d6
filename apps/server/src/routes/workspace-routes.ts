import { NexusError } from "@nexus/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf } from "../plugins/authentication.ts";
import type { WorkspaceCache } from "../workspace-cache.ts";
import { authErrors, errorSchema, roleSchema, workspaceSchema } from "./schemas.ts";

export function workspaceRoutes(workspaces: WorkspaceCache): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/me",
      {
        schema: {
          tags: ["workspaces"],
          summary: "The caller: its workspace and role",
          response: {
            200: z.object({
              workspace: workspaceSchema,
              role: roleSchema,
              keyId: z.string().nullable(),
              via: z.enum(["key", "session"]),
            }),
            ...authErrors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const workspace = await workspaces.get(principal.workspaceId);
        return { workspace, role: principal.role, keyId: principal.keyId, via: principal.via };
      },
    );

    app.get(
      "/api/workspaces",
      {
        schema: {
          tags: ["workspaces"],
          summary: "Workspaces the caller may see (a key sees its own)",
          response: { 200: z.object({ data: z.array(workspaceSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return { data: [await workspaces.get(principal.workspaceId)] };
      },
    );

    app.get(
      "/api/workspaces/:slug",
      {
        schema: {
          tags: ["workspaces"],
          summary: "One workspace; other workspaces are reported as not found",
          params: z.object({ slug: z.string().max(100) }),
          response: { 200: workspaceSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (request.params.slug !== principal.workspaceSlug) {
          throw new NexusError("not_found", `workspace '${request.params.slug}' not found`);
        }
        return workspaces.get(principal.workspaceId);
      },
    );
  };
}
