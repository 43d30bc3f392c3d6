import { type Database, NexusError } from "@nexus/core";
import { apiTriggerMethods, findApiTrigger, type WorkflowService } from "@nexus/workflows";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { z } from "zod";
import { principalOf } from "../plugins/authentication.ts";
import { authErrors, errorSchema } from "./schemas.ts";

/** Where api triggers' routes live: `/api/apps/<workspace-slug>/<the trigger's path>`. */
export const apiTriggerPrefix = "/api/apps";

/**
 * The routes of api triggers (Motia's API steps): a request runs the trigger's workflow to
 * its end and answers with the run's outputs.
 *
 * Authentication is the workspace's own: an API key of any role (or a web session), as for
 * `POST /api/workflows/:id/runs`, which members may call. Not the Dify app keys: those name one
 * workflow and belong to the Dify-compatible `/v1` API, while these routes are the workspace's
 * (the slug is in the path), so one workspace key reaches all of its routes and none of another
 * workspace's (those answer 404, as an unknown route does, so they give nothing away).
 */
export function workflowApiTriggerRoutes(options: {
  db: Kysely<Database>;
  service: WorkflowService;
}): FastifyPluginAsyncZod {
  const { db, service } = options;
  return async (app) => {
    app.route({
      method: [...apiTriggerMethods],
      url: `${apiTriggerPrefix}/:workspace/*`,
      // Fastify would answer HEAD by running the GET handler: a HEAD must not start a run.
      exposeHeadRoute: false,
      schema: {
        tags: ["workflows"],
        summary: "An api trigger's route: runs its workflow and answers with the run's outputs",
        description:
          "Inputs are the query string's fields, then the JSON body's (POST, PUT, PATCH), then the " +
          "path's parameters (`:id`), each over the one before, checked against the workflow's start " +
          "variables. 200 with the outputs; a failed run answers 500 (a stopped one 409) with the error. " +
          "The run's id is in the `x-nexus-run-id` header.",
        params: z.object({ workspace: z.string().min(1).max(128), "*": z.string().max(2048) }),
        querystring: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
        response: {
          200: z.record(z.string(), z.unknown()),
          404: errorSchema,
          409: errorSchema,
          500: errorSchema,
          ...authErrors,
        },
      },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const path = request.params["*"];
        const unknownRoute = () =>
          new NexusError(
            "not_found",
            `No api trigger answers ${request.method} ${apiTriggerPrefix}/${request.params.workspace}/${path}`,
          );
        if (request.params.workspace !== principal.workspaceSlug) throw unknownRoute();
        const found = await findApiTrigger(db, principal.workspaceId, request.method, path);
        if (!found) throw unknownRoute();
        const { trigger, params } = found;
        let body: Record<string, unknown> = {};
        if (["POST", "PUT", "PATCH"].includes(request.method) && request.body !== undefined) {
          const given = request.body;
          if (given === null || typeof given !== "object" || Array.isArray(given)) {
            throw new NexusError(
              "invalid_request",
              "The body must be a JSON object of the workflow's inputs",
            );
          }
          body = given as Record<string, unknown>;
        }
        const inputs = { ...trigger.inputs, ...request.query, ...body, ...params };
        const live = await service.start(trigger.workspaceId, trigger.workflowId, {
          inputs,
          ...(typeof inputs.query === "string" ? { query: inputs.query } : {}),
          triggeredFrom: "api-trigger",
          apiKeyId: principal.keyId,
        });
        reply.header("x-nexus-run-id", live.identity.runId);
        // A client that leaves does not stop the run, as for the webhook and Dify's blocking mode.
        const outcome = await live.done;
        if (outcome.status === "succeeded" || outcome.status === "partial-succeeded") {
          const chat = live.identity.conversationId !== undefined;
          return reply.send(chat ? { answer: outcome.answer, ...outcome.outputs } : outcome.outputs);
        }
        const stopped = outcome.status === "stopped";
        const error = stopped
          ? new NexusError("conflict", `Run ${live.identity.runId} was stopped before it finished`)
          : new NexusError(
              "internal_error",
              `Run ${live.identity.runId} failed: ${outcome.error ?? "the workflow did not finish"}`,
            );
        return reply.code(stopped ? 409 : 500).send(error.toBody());
      },
    });
  };
}
