import { NexusError } from "@nexus/core";
import {
  connectMcpServer,
  type McpServerStore,
  mcpServerChangesSchema,
  newMcpServerSchema,
} from "@nexus/workflows";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf } from "../plugins/authentication.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const idParams = z.object({ id: z.string().min(1).max(128) });

const mcpServerSchema = z.object({
  id: z.string(),
  providerId: z.string(),
  url: z.string(),
  headerNames: z.array(z.string()),
  createdAt: z.string(),
});

const toolSchema = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

/** Longest wait for the tools check: connecting plus listing. */
const checkTimeoutMs = 15_000;

/**
 * `/api/workflows/mcp-servers`: the workspace's MCP servers, which workflow tool and agent nodes
 * name by `provider_id` (as Dify DSL files do). Reading and checking need any key of the
 * workspace; adding, changing and removing need admin. Header values (tokens) are never answered.
 */
export function mcpServerRoutes(options: {
  servers: McpServerStore;
  /** Private hosts the SSRF guard lets through (NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS). */
  allowedHosts: string[];
}): FastifyPluginAsyncZod {
  const { servers, allowedHosts } = options;
  return async (app) => {
    const tags = ["workflows"];

    app.get(
      "/api/workflows/mcp-servers",
      {
        schema: {
          tags,
          summary: "The workspace's MCP servers (header names only, never their values)",
          response: { 200: z.object({ data: z.array(mcpServerSchema) }), ...authErrors },
        },
      },
      async (request) => ({ data: await servers.list(principalOf(request).workspaceId) }),
    );

    app.post(
      "/api/workflows/mcp-servers",
      {
        schema: {
          tags,
          summary:
            "Add an MCP server (Streamable HTTP or HTTP+SSE) that nodes name by providerId; headers are stored sealed",
          body: newMcpServerSchema,
          response: {
            201: z.object({ server: mcpServerSchema }),
            409: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        return reply.code(201).send({ server: await servers.create(workspaceId, request.body) });
      },
    );

    app.patch(
      "/api/workflows/mcp-servers/:id",
      {
        schema: {
          tags,
          summary:
            "Change an MCP server's providerId, url or headers; headers given replace all of them (sealed), {} clears them",
          params: idParams,
          body: mcpServerChangesSchema,
          response: {
            200: z.object({ server: mcpServerSchema }),
            404: errorSchema,
            409: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request, "admin");
        return { server: await servers.update(workspaceId, request.params.id, request.body) };
      },
    );

    app.delete(
      "/api/workflows/mcp-servers/:id",
      {
        schema: {
          tags,
          summary: "Remove an MCP server",
          params: idParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await servers.remove(principalOf(request, "admin").workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/workflows/mcp-servers/:id/tools",
      {
        schema: {
          tags,
          summary: "Connect to the MCP server and list its tools (a check that it is set up right)",
          params: idParams,
          response: {
            200: z.object({ server: mcpServerSchema, tools: z.array(toolSchema) }),
            404: errorSchema,
            422: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { view, config } = await servers.get(principalOf(request).workspaceId, request.params.id);
        const signal = AbortSignal.timeout(checkTimeoutMs);
        try {
          const connection = await connectMcpServer(config, {
            allowedHosts,
            signal,
            timeoutMs: checkTimeoutMs,
          });
          try {
            return { server: view, tools: await connection.listTools() };
          } finally {
            await connection.close();
          }
        } catch (error) {
          // The server's own failure, not ours: say what it answered, as the run would.
          const message = error instanceof Error ? error.message : String(error);
          throw new NexusError("unprocessable_entity", message.slice(0, 1000));
        }
      },
    );
  };
}
