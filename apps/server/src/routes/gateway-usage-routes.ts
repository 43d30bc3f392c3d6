import { NexusError, type Store } from "@nexus/core";
import {
  budgetPeriod,
  cacheOutcomes,
  type LimitRule,
  type LimitsStore,
  limitsSchema,
  listUsage,
  queryUsage,
  readBudgetSpend,
  usageEndpoints,
  usageGroupings,
} from "@nexus/gateway";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const time = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const range = { from: time.optional(), to: time.optional() };
const limitsBody = limitsSchema.strict().refine((limits) => Object.keys(limits).length > 0, {
  message: "set at least one of requestsPerMinute, tokensPerMinute or tokenBudget (or DELETE the rule)",
});
const keyParams = z.object({ keyId: z.string().min(1).max(100) });

const percentilesSchema = z.object({ p50: z.number(), p95: z.number() }).nullable();
const totalsSchema = z.object({
  requests: z.number(),
  errors: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cost: z.number(),
  latencyMs: percentilesSchema,
  ttftMs: percentilesSchema,
});
const usageEntrySchema = z.object({
  id: z.string(),
  requestId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  alias: z.string(),
  deployment: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  endpoint: z.enum(usageEndpoints),
  stream: z.boolean(),
  cache: z.enum(cacheOutcomes),
  status: z.number(),
  errorType: z.string().nullable(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  ttftMs: z.number().nullable(),
  durationMs: z.number(),
  cost: z.number().nullable(),
  createdAt: z.string(),
});
const ruleViewSchema = z.object({
  limits: limitsSchema.nullable(),
  updatedAt: z.string().nullable(),
  /** The budget's stored spend this period (settled requests; in-flight ones are not in it yet). */
  budget: z.object({ period: z.string(), used: z.number(), resetsAt: z.string() }).nullable(),
});
type RuleView = z.infer<typeof ruleViewSchema>;

/**
 * `/api/gateway/usage` and `/api/gateway/…/limits`: what the workspace's gateway traffic cost and
 * the limits on it. Reading needs any key of the workspace; changing limits needs admin.
 */
export function gatewayUsageRoutes({
  store,
  limits,
}: {
  store: Store;
  limits: LimitsStore;
}): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ["gateway"];

    async function ruleView(workspaceId: string, scope: string, rule: LimitRule | null): Promise<RuleView> {
      const budget = rule?.limits.tokenBudget;
      if (!rule || !budget)
        return { limits: rule?.limits ?? null, updatedAt: rule?.updatedAt ?? null, budget: null };
      const period = budgetPeriod(budget.period, Date.now());
      const used = await readBudgetSpend(store, { workspaceId, scope, period: period.key });
      return {
        limits: rule.limits,
        updatedAt: rule.updatedAt,
        budget: { period: period.key, used, resetsAt: new Date(period.endsAt).toISOString() },
      };
    }

    app.get(
      "/api/gateway/usage",
      {
        schema: {
          tags,
          summary:
            "Totals of the workspace's gateway requests (tokens, cost, errors, p50/p95 latency), optionally grouped",
          querystring: z
            .object({
              ...range,
              groupBy: z.enum(usageGroupings).optional(),
              limit: z.coerce.number().int().min(1).max(1_000).optional(),
            })
            .strict(),
          response: {
            200: z.object({
              totals: totalsSchema,
              groups: z.array(totalsSchema.extend({ key: z.string() })).optional(),
            }),
            ...authErrors,
          },
        },
      },
      async (request) => queryUsage(store, principalOf(request).workspaceId, request.query),
    );

    app.get(
      "/api/gateway/usage/requests",
      {
        schema: {
          tags,
          summary:
            "The workspace's gateway requests, newest first; pass nextCursor as cursor for the next page",
          querystring: z
            .object({
              ...range,
              cursor: z.string().min(1).max(512).optional(),
              limit: z.coerce.number().int().min(1).max(1_000).default(50),
            })
            .strict(),
          response: {
            200: z.object({ data: z.array(usageEntrySchema), nextCursor: z.string().nullable() }),
            ...authErrors,
          },
        },
      },
      async (request) => listUsage(store, principalOf(request).workspaceId, request.query),
    );

    app.get(
      "/api/gateway/limits",
      {
        schema: {
          tags,
          summary: "The workspace-wide limit rule",
          response: { 200: ruleViewSchema, ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        return ruleView(workspaceId, "", await limits.getWorkspaceLimits(workspaceId));
      },
    );

    app.put(
      "/api/gateway/limits",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary:
            "Set the workspace-wide limits: requests and tokens per minute, token budget per UTC day or month",
          body: limitsBody,
          response: { 200: ruleViewSchema, ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request, "admin");
        return ruleView(workspaceId, "", await limits.setWorkspaceLimits(workspaceId, request.body));
      },
    );

    app.delete(
      "/api/gateway/limits",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Remove the workspace-wide limits",
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        if (!(await limits.deleteWorkspaceLimits(principalOf(request, "admin").workspaceId))) {
          throw new NexusError("not_found", "The workspace has no limits to remove");
        }
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/gateway/keys/:keyId/limits",
      {
        schema: {
          tags,
          summary: "An API key's limit rule (on top of the workspace's)",
          params: keyParams,
          response: { 200: ruleViewSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        const { keyId } = request.params;
        return ruleView(workspaceId, keyId, await limits.getKeyLimits(workspaceId, keyId));
      },
    );

    app.put(
      "/api/gateway/keys/:keyId/limits",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Set an API key's limits",
          params: keyParams,
          body: limitsBody,
          response: { 200: ruleViewSchema, 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request, "admin");
        const { keyId } = request.params;
        return ruleView(workspaceId, keyId, await limits.setKeyLimits(workspaceId, keyId, request.body));
      },
    );

    app.delete(
      "/api/gateway/keys/:keyId/limits",
      {
        preValidation: requireRole("admin"),
        schema: {
          tags,
          summary: "Remove an API key's limits",
          params: keyParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const { keyId } = request.params;
        if (!(await limits.deleteKeyLimits(principalOf(request, "admin").workspaceId, keyId))) {
          throw new NexusError("not_found", `API key '${keyId}' has no limits to remove`);
        }
        return reply.code(204).send();
      },
    );
  };
}
