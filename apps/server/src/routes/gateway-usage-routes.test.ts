import {
  createApiKey,
  createLocalEventBus,
  createLogger,
  createMetrics,
  type EventBus,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Role,
  type Store,
} from "@nexus/core";
import { createLimiter, createLimitsStore, createUsageRecorder, type LimitsStore } from "@nexus/gateway";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../../packages/core/src/testing/test-databases.ts";
import { Authenticator } from "../auth/authenticator.ts";
import { registerAuthentication } from "../plugins/authentication.ts";
import { registerErrorHandling } from "../plugins/error-handling.ts";
import { registerOpenApi, registerOpenApiRoute } from "../plugins/openapi.ts";
import { gatewayUsageRoutes } from "./gateway-usage-routes.ts";

/**
 * The routes in an app assembled the way app.ts assembles the server (error handling,
 * authentication, OpenAPI), until the lead registers them there; requests go through inject.
 */
for (const storeKind of ["sqlite", "postgres"] as const) {
  describe(`gateway usage and limits routes on ${storeKind}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let events: EventBus;
    let limits: LimitsStore;
    let authenticator: Authenticator;
    let app: FastifyInstance;
    let workspaceId: string;
    let keys: Record<"owner" | "admin" | "member" | "elsewhere", { key: string; id: string }>;

    beforeEach(async () => {
      const fresh = freshStoreOptions(storeKind);
      drop = fresh.drop;
      store = await openStore(fresh.options);
      await ensureDefaultWorkspaces(store.db);
      workspaceId = (await getWorkspaceBySlug(store.db, "agentx")).id;
      const otherWorkspaceId = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
      const key = async (role: Role, workspace = workspaceId) => {
        const { key: secret, info } = await createApiKey(store.db, { workspaceId: workspace, role });
        return { key: secret, id: info.id };
      };
      keys = {
        owner: await key("owner"),
        admin: await key("admin"),
        member: await key("member"),
        elsewhere: await key("owner", otherWorkspaceId),
      };
      events = createLocalEventBus();
      limits = createLimitsStore({ store, events });
      app = Fastify();
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(serializerCompiler);
      authenticator = new Authenticator(store, events, createLogger("silent"));
      await authenticator.start();
      registerErrorHandling(app);
      await registerOpenApi(app);
      registerAuthentication(app, authenticator);
      await app.register(gatewayUsageRoutes({ store, limits }));
      registerOpenApiRoute(app);
      await app.ready();
    });

    afterEach(async () => {
      await app.close();
      await authenticator.close();
      await limits.close();
      await events.close();
      await store.close();
      await drop();
    });

    function call(
      method: "GET" | "PUT" | "DELETE",
      url: string,
      as: keyof typeof keys | null,
      body?: unknown,
    ) {
      return app.inject({
        method,
        url,
        headers: as ? { authorization: `Bearer ${keys[as].key}` } : {},
        ...(body !== undefined ? { payload: body as object } : {}),
      });
    }

    it("sets, reads and removes the workspace's limits, admin to change and any member to read", async () => {
      expect((await call("GET", "/api/gateway/limits", "member")).json()).toEqual({
        limits: null,
        updatedAt: null,
        budget: null,
      });
      const denied = await call("PUT", "/api/gateway/limits", "member", { requestsPerMinute: 5 });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.type).toBe("permission_denied");

      const limitsBody = { requestsPerMinute: 60, tokenBudget: { tokens: 1_000, period: "day" } };
      const put = await call("PUT", "/api/gateway/limits", "admin", limitsBody);
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ limits: limitsBody, budget: { used: 0 } });
      const read = (await call("GET", "/api/gateway/limits", "member")).json();
      expect(read.limits).toEqual(limitsBody);
      expect(read.budget.period).toBe(new Date().toISOString().slice(0, 10));
      expect(Date.parse(read.budget.resetsAt)).toBeGreaterThan(Date.now());
      // The other workspace sees none of it.
      expect((await call("GET", "/api/gateway/limits", "elsewhere")).json().limits).toBeNull();

      expect((await call("DELETE", "/api/gateway/limits", "member")).statusCode).toBe(403);
      expect((await call("DELETE", "/api/gateway/limits", "owner")).statusCode).toBe(204);
      expect((await call("DELETE", "/api/gateway/limits", "owner")).statusCode).toBe(404);
      expect((await call("GET", "/api/gateway/limits", "member")).json().limits).toBeNull();
    });

    it("manages a key's limits only within the caller's workspace, and the limiter enforces them", async () => {
      const url = `/api/gateway/keys/${keys.member.id}/limits`;
      expect((await call("PUT", url, "admin", { requestsPerMinute: 1 })).statusCode).toBe(200);
      expect((await call("GET", url, "member")).json().limits).toEqual({ requestsPerMinute: 1 });
      const foreign = await call("GET", url, "elsewhere");
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.type).toBe("not_found");
      expect((await call("PUT", url, "elsewhere", { requestsPerMinute: 100 })).statusCode).toBe(404);
      expect((await call("DELETE", url, "elsewhere")).statusCode).toBe(404);
      expect((await call("GET", "/api/gateway/keys/key_nope/limits", "admin")).statusCode).toBe(404);

      const limiter = createLimiter({ store, events, limits });
      await limiter.admit({ workspaceId, apiKeyId: keys.member.id }, { promptTokens: 1, maxOutputTokens: 1 });
      await expect(
        limiter.admit({ workspaceId, apiKeyId: keys.member.id }, { promptTokens: 1, maxOutputTokens: 1 }),
      ).rejects.toMatchObject({ status: 429 });
      expect((await call("DELETE", url, "admin")).statusCode).toBe(204);
      await limiter.admit({ workspaceId, apiKeyId: keys.member.id }, { promptTokens: 1, maxOutputTokens: 1 });
      await limiter.close();
    });

    it("answers bad input with a 400 that says what is wrong, and no key with a 401", async () => {
      const bad: Array<[string, unknown]> = [
        ["/api/gateway/limits", {}],
        ["/api/gateway/limits", { requestsPerMinute: -1 }],
        ["/api/gateway/limits", { requestsPerMinute: "many" }],
        ["/api/gateway/limits", { tokenBudget: { tokens: 5, period: "year" } }],
        ["/api/gateway/limits", { requestsPerMinute: 5, surprise: true }],
      ];
      for (const [url, body] of bad) {
        const response = await call("PUT", url, "admin", body);
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.json().error.type).toBe("invalid_request");
      }
      // Fastify itself refuses a path parameter over 100 characters.
      expect(
        (await call("PUT", `/api/gateway/keys/${"k".repeat(200)}/limits`, "admin", { requestsPerMinute: 5 }))
          .statusCode,
      ).toBe(414);
      const badPeriod = await call("PUT", "/api/gateway/limits", "admin", {
        tokenBudget: { tokens: 5, period: "year" },
      });
      expect(badPeriod.json().error.message).toMatch(/tokenBudget\.period/);
      const malformed = await app.inject({
        method: "PUT",
        url: "/api/gateway/limits",
        headers: { authorization: `Bearer ${keys.admin.key}`, "content-type": "application/json" },
        payload: "{not json",
      });
      expect(malformed.statusCode).toBe(400);
      for (const url of [
        "/api/gateway/usage?groupBy=colour",
        "/api/gateway/usage?from=yesterday",
        "/api/gateway/usage?limit=0",
        "/api/gateway/usage?sneaky=1",
        "/api/gateway/usage/requests?limit=5000",
        "/api/gateway/usage/requests?cursor=forged",
      ]) {
        const response = await call("GET", url, "member");
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error.type).toBe("invalid_request");
      }
      expect((await call("GET", "/api/gateway/usage", null)).statusCode).toBe(401);
      expect((await call("GET", "/api/gateway/limits", null)).statusCode).toBe(401);
    });

    it("reports the workspace's usage totals, groups and request pages", async () => {
      const recorder = createUsageRecorder({ store, metrics: createMetrics() });
      const started = Date.now() - 60_000;
      for (let index = 0; index < 3; index++) {
        recorder.record({
          workspaceId,
          apiKeyId: keys.member.id,
          requestId: `req_${index}`,
          alias: index === 2 ? "embed" : "chat",
          deployment: "vllm/qwen",
          endpoint: index === 2 ? "embeddings" : "chat",
          stream: index === 0,
          cache: "miss",
          status: index === 1 ? 502 : 200,
          promptTokens: 10,
          completionTokens: 5,
          ttftMs: index === 0 ? 40 : null,
          durationMs: 100 * (index + 1),
          pricing: { inputCostPerMillion: 100_000 },
          startedAt: new Date(started + index * 1_000),
        });
      }
      await recorder.close();

      const summary = (await call("GET", "/api/gateway/usage?groupBy=alias", "member")).json();
      expect(summary.totals).toMatchObject({
        requests: 3,
        errors: 1,
        promptTokens: 30,
        completionTokens: 15,
      });
      expect(summary.totals.cost).toBeCloseTo(3, 10);
      expect(summary.totals.ttftMs).toEqual({ p50: 40, p95: 40 });
      expect(summary.groups.map((group: { key: string }) => group.key)).toEqual(["chat", "embed"]);
      const today = new Date().toISOString().slice(0, 10);
      const byDay = (await call("GET", `/api/gateway/usage?groupBy=day&from=${today}`, "member")).json();
      expect(byDay.groups.length).toBeGreaterThanOrEqual(1);
      expect((await call("GET", "/api/gateway/usage", "elsewhere")).json().totals.requests).toBe(0);

      const first = (await call("GET", "/api/gateway/usage/requests?limit=2", "member")).json();
      expect(first.data.map((row: { requestId: string }) => row.requestId)).toEqual(["req_2", "req_1"]);
      expect(first.data[1]).toMatchObject({ status: 502, endpoint: "chat", stream: false, cost: 1 });
      const second = (
        await call("GET", `/api/gateway/usage/requests?limit=2&cursor=${first.nextCursor}`, "member")
      ).json();
      expect(second).toMatchObject({
        data: [{ requestId: "req_0", stream: true, ttftMs: 40 }],
        nextCursor: null,
      });
    });

    it("documents its routes in the OpenAPI document", async () => {
      const document = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json();
      for (const path of [
        "/api/gateway/usage",
        "/api/gateway/usage/requests",
        "/api/gateway/limits",
        "/api/gateway/keys/{keyId}/limits",
      ]) {
        expect(Object.keys(document.paths)).toContain(path);
      }
      expect(document.paths["/api/gateway/limits"].put.tags).toEqual(["gateway"]);
    });
  });
}
