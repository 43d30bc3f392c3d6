import { NexusError } from "@nexus/core";
import { aliasSchema, type GatewayConfigStore, providerSchema } from "@nexus/gateway";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf, requireRole } from "../plugins/authentication.ts";

const providerIdParams = z.object({ id: z.string().min(1).max(64) });
const aliasNameParams = z.object({ name: z.string().min(1).max(64) });

/**
 * `/api/gateway`: a workspace's model providers and aliases (deployments, strategy, retries,
 * timeouts, cache) and the health of what is behind them. Reading needs any key of the
 * workspace; changing needs admin.
 */
export function gatewayRoutes({
  gateway,
  gatewayConfig,
}: Pick<AppDependencies, "gateway" | "gatewayConfig">): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ["gateway"];

    app.get(
      "/api/gateway/providers",
      { schema: { tags, summary: "Providers: the instance's and this workspace's own" } },
      async (request) => {
        const { workspaceId } = principalOf(request);
        const instance = gateway.instanceProviders.providers().map((provider) => ({
          id: provider.id,
          kind: provider.kind,
          scope: "instance" as const,
        }));
        const own = (await gatewayConfig.listProviders(workspaceId)).map((provider) => ({
          ...provider,
          scope: "workspace" as const,
        }));
        return { data: [...instance, ...own] };
      },
    );

    app.post(
      "/api/gateway/providers",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Add a provider (an OpenAI-compatible server or Anthropic) to this workspace",
          body: providerSchema,
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        assertNotInstanceProvider(
          gateway.instanceProviders.get(request.body.id) !== undefined,
          request.body.id,
        );
        const existing = await gatewayConfig.listProviders(workspaceId);
        if (existing.some((provider) => provider.id === request.body.id)) {
          throw new NexusError(
            "conflict",
            `Provider '${request.body.id}' exists; PUT /api/gateway/providers/${request.body.id} replaces it`,
          );
        }
        await gatewayConfig.putProvider(workspaceId, request.body);
        return reply.code(201).send(await providerView(gatewayConfig, workspaceId, request.body.id));
      },
    );

    app.put(
      "/api/gateway/providers/:id",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Create or replace a provider; an absent apiKey keeps the stored one",
          params: providerIdParams,
          body: providerSchema.omit({ id: true }),
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        const config = providerSchema.safeParse({ ...request.body, id: request.params.id });
        if (!config.success)
          throw new NexusError("invalid_request", `Invalid provider id: ${config.error.issues[0]?.message}`);
        assertNotInstanceProvider(
          gateway.instanceProviders.get(config.data.id) !== undefined,
          config.data.id,
        );
        const { created } = await gatewayConfig.putProvider(workspaceId, config.data);
        return reply
          .code(created ? 201 : 200)
          .send(await providerView(gatewayConfig, workspaceId, config.data.id));
      },
    );

    app.delete(
      "/api/gateway/providers/:id",
      {
        preValidation: requireRole("admin"),
        schema: { tags, summary: "Remove a provider no alias uses", params: providerIdParams },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        const users = (await gatewayConfig.listAliases(workspaceId)).filter((alias) =>
          alias.deployments.some((deployment) => deployment.provider === request.params.id),
        );
        if (users.length > 0) {
          throw new NexusError(
            "conflict",
            `Provider '${request.params.id}' is used by alias ${users.map((alias) => `'${alias.name}'`).join(", ")}; change those first`,
          );
        }
        if (!(await gatewayConfig.deleteProvider(workspaceId, request.params.id))) {
          throw new NexusError("not_found", `No provider '${request.params.id}' in this workspace`);
        }
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/gateway/aliases",
      { schema: { tags, summary: "Model aliases of this workspace" } },
      async (request) => {
        const { workspaceId } = principalOf(request);
        return { data: await gatewayConfig.listAliases(workspaceId) };
      },
    );

    app.get(
      "/api/gateway/aliases/:name",
      { schema: { tags, summary: "One alias", params: aliasNameParams } },
      async (request) => {
        const { workspaceId } = principalOf(request);
        const alias = (await gatewayConfig.listAliases(workspaceId)).find(
          (candidate) => candidate.name === request.params.name,
        );
        if (!alias) throw new NexusError("not_found", `No alias '${request.params.name}' in this workspace`);
        return alias;
      },
    );

    app.put(
      "/api/gateway/aliases/:name",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Create or replace an alias: its deployments, strategy, retries, timeouts and cache",
          params: aliasNameParams,
          body: aliasSchema.omit({ name: true }),
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        const parsed = aliasSchema.safeParse({ ...request.body, name: request.params.name });
        if (!parsed.success)
          throw new NexusError("invalid_request", `Invalid alias name: ${parsed.error.issues[0]?.message}`);
        const own = new Set((await gatewayConfig.listProviders(workspaceId)).map((provider) => provider.id));
        const unknown = parsed.data.deployments
          .map((deployment) => deployment.provider)
          .filter((provider) => !own.has(provider) && !gateway.instanceProviders.get(provider));
        if (unknown.length > 0) {
          throw new NexusError(
            "invalid_request",
            `Unknown provider ${[...new Set(unknown)].map((id) => `'${id}'`).join(", ")}; see GET /api/gateway/providers`,
          );
        }
        const { created } = await gatewayConfig.putAlias(workspaceId, parsed.data);
        await gateway.invalidate(workspaceId);
        return reply.code(created ? 201 : 200).send(parsed.data);
      },
    );

    app.delete(
      "/api/gateway/aliases/:name",
      {
        preValidation: requireRole("admin"),
        schema: { tags, summary: "Remove an alias", params: aliasNameParams },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        if (!(await gatewayConfig.deleteAlias(workspaceId, request.params.name))) {
          throw new NexusError("not_found", `No alias '${request.params.name}' in this workspace`);
        }
        await gateway.invalidate(workspaceId);
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/gateway/health",
      {
        schema: {
          tags,
          summary: "Health and circuit state of every deployment behind this workspace's aliases",
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        return { data: await gateway.health(workspaceId) };
      },
    );
  };
}

function assertNotInstanceProvider(taken: boolean, id: string): void {
  if (taken) throw new NexusError("conflict", `'${id}' is an instance-wide provider; pick another id`);
}

async function providerView(config: GatewayConfigStore, workspaceId: string, id: string) {
  const view = (await config.listProviders(workspaceId)).find((provider) => provider.id === id);
  return { ...view, scope: "workspace" as const };
}
