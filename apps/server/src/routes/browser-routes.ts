import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type BrowserService,
  browserSettingsSchema,
  createBrowserTasks,
  getBrowserSettings,
  updateBrowserSettings,
} from "@nexus/browser";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf, requireRole } from "../plugins/authentication.ts";
import {
  actBody,
  agentBody,
  extractBody,
  gotoBody,
  observeBody,
  oneShotActBody,
  oneShotExtras,
  openSessionBody,
  sessionIdParams,
} from "./browser-schemas.ts";
import { browserTaskRoutes } from "./browser-task-routes.ts";
import { gatewayRequestContext } from "./gateway-request.ts";

/**
 * `/api/browser/...` (issue 8): sessions and Stagehand's act / extract / observe / agent on them,
 * one-shot operations on a URL, the workspace's URL policy and limits, its action cache, and
 * recorded tasks (browser-task-routes.ts), over the app's one browser service (browser-wiring.ts,
 * configured by the NEXUS_BROWSER_* variables), which workflow nodes share.
 */
export function browserRoutes(dependencies: AppDependencies, browser: BrowserService): FastifyPluginAsyncZod {
  return async (app) => {
    const { store, logger, config, queue } = dependencies;
    const tasks = createBrowserTasks({
      db: store.db,
      browser,
      queue,
      // NEXUS_SERVE_RUNS=false: runs are queued here and `nexus worker` processes run them.
      serveRuns: config.serveRuns,
      onRunError: (error) => logger.error({ err: error }, "browser task run could not be recorded"),
    });
    const tags = ["browser"];

    app.get(
      "/api/browser/settings",
      { schema: { tags, summary: "The workspace's URL allow/deny lists and limits" } },
      async (request) => getBrowserSettings(store.db, principalOf(request).workspaceId),
    );
    app.put(
      "/api/browser/settings",
      {
        preValidation: requireRole("admin"),
        schema: { tags, summary: "Change the URL policy and limits (admin)", body: browserSettingsSchema },
      },
      async (request) =>
        updateBrowserSettings(store.db, principalOf(request, "admin").workspaceId, request.body),
    );

    app.post(
      "/api/browser/sessions",
      {
        schema: {
          tags,
          summary: "Open a browser session (headless Chromium, or attach over CDP)",
          body: openSessionBody,
        },
      },
      async (request, reply) =>
        reply.code(201).send(await browser.openSession(gatewayRequestContext(request, reply), request.body)),
    );
    app.get(
      "/api/browser/sessions",
      { schema: { tags, summary: "The workspace's open sessions" } },
      async (request) => ({
        data: browser.listSessions(principalOf(request).workspaceId),
      }),
    );
    app.get(
      "/api/browser/sessions/:id",
      { schema: { tags, summary: "A session: its page URL and downloads", params: sessionIdParams } },
      async (request) => browser.getSession(principalOf(request).workspaceId, request.params.id),
    );
    app.delete(
      "/api/browser/sessions/:id",
      { schema: { tags, summary: "Close a session (its browser and folder go)", params: sessionIdParams } },
      async (request, reply) => {
        await browser.closeSession(principalOf(request).workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    const on = { params: sessionIdParams, tags };
    app.post(
      "/api/browser/sessions/:id/goto",
      { schema: { ...on, summary: "Open a URL", body: gotoBody } },
      async (request, reply) =>
        browser.goto(gatewayRequestContext(request, reply), request.params.id, request.body.url),
    );
    app.post(
      "/api/browser/sessions/:id/act",
      {
        schema: { ...on, summary: "Do one action described in words (cached per page shape)", body: actBody },
      },
      async (request, reply) =>
        browser.act(gatewayRequestContext(request, reply), request.params.id, request.body),
    );
    app.post(
      "/api/browser/sessions/:id/extract",
      { schema: { ...on, summary: "Extract data into a JSON Schema", body: extractBody } },
      async (request, reply) =>
        browser.extract(gatewayRequestContext(request, reply), request.params.id, request.body),
    );
    app.post(
      "/api/browser/sessions/:id/observe",
      { schema: { ...on, summary: "List actions matching a description", body: observeBody } },
      async (request, reply) =>
        browser.observe(gatewayRequestContext(request, reply), request.params.id, request.body),
    );
    app.post(
      "/api/browser/sessions/:id/agent",
      {
        schema: { ...on, summary: "Reach a goal in several steps (cached per page shape)", body: agentBody },
      },
      async (request, reply) =>
        browser.agent(gatewayRequestContext(request, reply), request.params.id, request.body),
    );
    app.get(
      "/api/browser/sessions/:id/screenshot",
      { schema: { ...on, summary: "A PNG of the session's page" } },
      async (request, reply) =>
        reply
          .type("image/png")
          .send(await browser.screenshot(gatewayRequestContext(request, reply), request.params.id)),
    );
    app.get(
      "/api/browser/sessions/:id/downloads/:name",
      {
        schema: {
          tags,
          summary: "A file the session downloaded",
          params: sessionIdParams.extend({ name: z.string().min(1).max(255) }),
        },
      },
      async (request, reply) => {
        const file = browser.downloadPath(
          principalOf(request).workspaceId,
          request.params.id,
          request.params.name,
        );
        return reply
          .type("application/octet-stream")
          .header("content-disposition", `attachment; filename="${path.basename(file).replace(/"/g, "")}"`)
          .send(await readFile(file));
      },
    );

    // One-shot: a browser for one operation on `url`, closed after.
    const oneShot =
      <Body extends { url: string; model?: string }, Result>(
        run: (
          context: ReturnType<typeof gatewayRequestContext>,
          sessionId: string,
          body: Body,
        ) => Promise<Result>,
      ) =>
      async (
        request: { body: Body } & Parameters<typeof gatewayRequestContext>[0],
        reply: Parameters<typeof gatewayRequestContext>[1],
      ) => {
        const context = gatewayRequestContext(request, reply);
        const session = await browser.openSession(context, { model: request.body.model });
        try {
          return await run(context, session.id, request.body);
        } finally {
          await browser.closeSession(context.workspaceId, session.id).catch(() => {});
        }
      };
    app.post(
      "/api/browser/act",
      {
        schema: {
          tags,
          summary: "act on a URL in a one-off browser",
          body: oneShotActBody,
        },
      },
      oneShot((context, id, body) => browser.act(context, id, body)),
    );
    app.post(
      "/api/browser/extract",
      {
        schema: {
          tags,
          summary: "extract from a URL in a one-off browser",
          body: extractBody.omit({ url: true }).extend(oneShotExtras.shape),
        },
      },
      oneShot((context, id, body) => browser.extract(context, id, body)),
    );
    app.post(
      "/api/browser/observe",
      {
        schema: {
          tags,
          summary: "observe a URL in a one-off browser",
          body: observeBody.omit({ url: true }).extend(oneShotExtras.shape),
        },
      },
      oneShot((context, id, body) => browser.observe(context, id, body)),
    );
    app.post(
      "/api/browser/agent",
      {
        schema: {
          tags,
          summary: "Run the agent from a URL in a one-off browser",
          body: agentBody.omit({ url: true }).extend(oneShotExtras.shape),
        },
      },
      oneShot((context, id, body) => browser.agent(context, id, body)),
    );

    app.get(
      "/api/browser/cache",
      { schema: { tags, summary: "The workspace's cached actions" } },
      async (request) => ({
        data: (await browser.cache.list(principalOf(request).workspaceId)).map((row) => ({
          ...row,
          actions: JSON.parse(row.actions),
        })),
      }),
    );
    app.delete(
      "/api/browser/cache",
      {
        preValidation: requireRole("admin"),
        schema: { tags, summary: "Forget every cached action (admin)" },
      },
      async (request) => ({ deleted: await browser.cache.clear(principalOf(request, "admin").workspaceId) }),
    );

    await app.register(browserTaskRoutes(tasks));
  };
}
