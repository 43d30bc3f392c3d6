import {
  agentExportSchema,
  agentFieldsSchema,
  createAgent,
  deleteAgent,
  exportAgent,
  getAgent,
  importAgent,
  listAgents,
  replaceAgent,
  storableString,
} from "@nexus/chat";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";
import { agentSchema } from "./chat-schemas.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const idParams = z.object({ id: storableString().min(1).max(128) });

/**
 * `/api/agents`: a workspace's chat agents (persona, model, parameters, tools), shared by every
 * key of the workspace, and their export to and import from JSON files.
 */
export function agentRoutes({ store }: Pick<AppDependencies, "store">): FastifyPluginAsyncZod {
  const { db } = store;
  return async (app) => {
    const tags = ["chat"];

    app.get(
      "/api/agents",
      {
        schema: {
          tags,
          summary: "The workspace's agents, by name",
          response: { 200: z.object({ data: z.array(agentSchema) }), ...authErrors },
        },
      },
      async (request) => ({ data: await listAgents(db, principalOf(request).workspaceId) }),
    );

    app.post(
      "/api/agents",
      {
        schema: {
          tags,
          summary: "Create an agent (name and model required)",
          body: agentFieldsSchema,
          response: { 201: agentSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createAgent(db, principalOf(request).workspaceId, request.body)),
    );

    app.post(
      "/api/agents/import",
      {
        schema: {
          tags,
          summary: "Create an agent (with a new id) from an export file",
          body: agentExportSchema,
          response: { 201: agentSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await importAgent(db, principalOf(request).workspaceId, request.body)),
    );

    app.get(
      "/api/agents/:id",
      {
        schema: {
          tags,
          summary: "An agent",
          params: idParams,
          response: { 200: agentSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => getAgent(db, principalOf(request).workspaceId, request.params.id),
    );

    app.put(
      "/api/agents/:id",
      {
        schema: {
          tags,
          summary: "Replace an agent's fields (absent optional fields take their defaults)",
          params: idParams,
          body: agentFieldsSchema,
          response: { 200: agentSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => replaceAgent(db, principalOf(request).workspaceId, request.params.id, request.body),
    );

    app.delete(
      "/api/agents/:id",
      {
        schema: {
          tags,
          summary: "Delete an agent; its conversations keep going with the model they have",
          params: idParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await deleteAgent(db, principalOf(request).workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/agents/:id/export",
      {
        schema: {
          tags,
          summary: "The agent as a file to import elsewhere: { nexusAgent: 1, agent } (no id or times)",
          params: idParams,
          response: {
            200: z.object({
              nexusAgent: z.literal(1),
              agent: agentSchema.omit({ id: true, createdAt: true, updatedAt: true }),
            }),
            404: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const file = await exportAgent(db, principalOf(request).workspaceId, request.params.id);
        const name = file.agent.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "agent";
        return reply.header("content-disposition", `attachment; filename="${name}.agent.json"`).send(file);
      },
    );
  };
}
