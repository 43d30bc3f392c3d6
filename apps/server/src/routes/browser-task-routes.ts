import { type BrowserTasks, taskInputSchema } from "@nexus/browser";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf } from "../plugins/authentication.ts";
import { runTaskBody } from "./browser-schemas.ts";
import { gatewayRequestContext } from "./gateway-request.ts";

const taskParams = z.object({ id: z.string().min(1).max(64) });
const runParams = z.object({ runId: z.string().min(1).max(64) });

/** `/api/browser/tasks` and `/api/browser/runs`: recorded tasks, their versions and runs. */
export function browserTaskRoutes(tasks: BrowserTasks): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ["browser"];
    const workspaceOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).workspaceId;

    app.get(
      "/api/browser/tasks",
      { schema: { tags, summary: "Recorded tasks (latest versions)" } },
      async (request) => ({
        data: await tasks.store.list(workspaceOf(request)),
      }),
    );
    app.post(
      "/api/browser/tasks",
      {
        schema: {
          tags,
          summary: "Save a task (steps, variables, extraction schema, schedule)",
          body: taskInputSchema,
        },
      },
      async (request, reply) => reply.code(201).send(await tasks.create(workspaceOf(request), request.body)),
    );
    app.get(
      "/api/browser/tasks/:id",
      { schema: { tags, summary: "A task's latest version", params: taskParams } },
      async (request) => tasks.store.get(workspaceOf(request), request.params.id),
    );
    app.put(
      "/api/browser/tasks/:id",
      {
        schema: { tags, summary: "Save a new version of a task", params: taskParams, body: taskInputSchema },
      },
      async (request) => tasks.update(workspaceOf(request), request.params.id, request.body),
    );
    app.delete(
      "/api/browser/tasks/:id",
      { schema: { tags, summary: "Delete a task, its versions and runs", params: taskParams } },
      async (request, reply) => {
        await tasks.delete(workspaceOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
    app.get(
      "/api/browser/tasks/:id/versions",
      { schema: { tags, summary: "Every version of a task, newest first", params: taskParams } },
      async (request) => ({ data: await tasks.store.versions(workspaceOf(request), request.params.id) }),
    );
    app.post(
      "/api/browser/tasks/:id/runs",
      {
        schema: {
          tags,
          summary: "Run a task now (variables are used, never stored)",
          params: taskParams,
          body: runTaskBody,
        },
      },
      async (request, reply) => {
        const { run, finished } = await tasks.start(
          gatewayRequestContext(request, reply),
          request.params.id,
          request.body,
        );
        if (request.body.wait) return reply.code(200).send(await finished);
        return reply.code(202).send(run);
      },
    );
    app.get(
      "/api/browser/tasks/:id/runs",
      { schema: { tags, summary: "A task's runs, newest first", params: taskParams } },
      async (request) => ({ data: await tasks.store.runs(workspaceOf(request), request.params.id) }),
    );
    app.get(
      "/api/browser/runs/:runId",
      { schema: { tags, summary: "A run and its report", params: runParams } },
      async (request) => tasks.store.getRun(workspaceOf(request), request.params.runId),
    );
    app.get(
      "/api/browser/runs/:runId/screenshots/:name",
      {
        schema: {
          tags,
          summary: "A step's screenshot",
          params: runParams.extend({ name: z.string().regex(/^step-\d{1,3}\.png$/, "must be step-<n>.png") }),
        },
      },
      async (request, reply) => {
        const workspaceId = workspaceOf(request);
        const run = await tasks.store.getRun(workspaceId, request.params.runId);
        const image = await tasks.store.screenshot(workspaceId, run.id, request.params.name);
        return reply.type("image/png").send(image);
      },
    );
  };
}
