import { createSecretBox, instanceSecret, NexusError } from "@nexus/core";
import {
  AppKeyCache,
  configurePythonSandbox,
  createAppKey,
  deleteWorkflow,
  findWebhookTrigger,
  type Graph,
  getRunWithNodes,
  getWorkflow,
  type LiveRun,
  listRuns,
  listTriggers,
  listWorkflows,
  listWorkflowVersions,
  McpServerStore,
  type StoredWorkflow,
  serveWorkflowRuns,
  startVariablesOf,
  type WorkflowBrowser,
  type KnowledgeRetriever as WorkflowKnowledgeRetriever,
  WorkflowService,
  WorkflowTriggers,
  warmUpCodeSandbox,
  withoutSecretValues,
} from "@nexus/workflows";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";
import { difyAppRoutes } from "./dify-app-routes.ts";
import { mcpServerRoutes } from "./mcp-server-routes.ts";
import { authErrors, errorSchema } from "./schemas.ts";
import { apiTriggerPrefix, workflowApiTriggerRoutes } from "./workflow-api-trigger-routes.ts";
import { resumeAfter, sendRunEvents } from "./workflow-event-stream.ts";
import { replyToRun } from "./workflow-run-replies.ts";
import {
  graphSchema,
  importReportSchema,
  nodeRunSchema,
  runRecordSchema,
  runRequestSchema,
  workflowDetailSchema,
  workflowSummarySchema,
} from "./workflow-schemas.ts";

const idParams = z.object({ id: z.string().min(1).max(128) });
const runParams = z.object({ runId: z.string().min(1).max(128) });
/** Room for a 4 MB DSL in JSON; the importer itself refuses more than 4 MB with a clear message. */
const importBodyLimit = 5 * 1024 * 1024;
const graphBodyLimit = 5 * 1024 * 1024;

/** A run as its live events describe it, for the moments before it is first written. */
function runFromEvents(live: LiveRun) {
  const started = live.events[0]?.data as { inputs?: Record<string, unknown> } | undefined;
  const finished = live.events.find((event) => event.event === "workflow_finished")?.data as
    | {
        status: string;
        outputs: Record<string, unknown>;
        error: string | null;
        total_steps: number;
        total_tokens: number;
        elapsed_time: number;
      }
    | undefined;
  const nodes = live.events
    .filter((event) => event.event === "node_finished")
    .map((event) => {
      const data = event.data as Record<string, unknown> & {
        created_at: number;
        finished_at: number;
        elapsed_time: number;
      };
      return {
        id: String(data.id),
        nodeId: String(data.node_id),
        nodeType: String(data.node_type),
        title: String(data.title),
        index: Number(data.index),
        status: String(data.status),
        inputs: (data.inputs as Record<string, unknown>) ?? {},
        outputs: (data.outputs as Record<string, unknown>) ?? {},
        error: (data.error as string | null) ?? null,
        tokens: Number((data.execution_metadata as { total_tokens?: number } | undefined)?.total_tokens ?? 0),
        retries: 0,
        containerId: (data.iteration_id as string | undefined) ?? null,
        round: (data.parallel_run_id as number | undefined) ?? null,
        startedAt: new Date(data.created_at * 1000).toISOString(),
        finishedAt: new Date(data.finished_at * 1000).toISOString(),
        elapsedMs: Math.round(data.elapsed_time * 1000),
      };
    });
  return {
    id: live.identity.runId,
    workflowId: live.identity.workflowId,
    workflowVersion: 0,
    status: finished?.status ?? "running",
    inputs: started?.inputs ?? {},
    outputs: finished?.outputs ?? null,
    error: finished?.error ?? null,
    query: null,
    conversationId: live.identity.conversationId ?? null,
    user: null,
    triggeredFrom: "api",
    totalSteps: finished?.total_steps ?? nodes.length,
    totalTokens: finished?.total_tokens ?? 0,
    elapsedMs: finished ? Math.round(finished.elapsed_time * 1000) : null,
    createdAt: new Date(live.createdAt).toISOString(),
    finishedAt: null,
    nodes,
  };
}

function detailOf(stored: StoredWorkflow) {
  return {
    ...stored.summary,
    graph: stored.definition.graph,
    inputs: startVariablesOf(stored.definition),
    // Secret values stay in the engine; the API shows their declarations.
    environmentVariables: withoutSecretValues(stored.definition.environmentVariables),
    conversationVariables: stored.definition.conversationVariables,
  };
}

/**
 * `/api/workflows/...`: import/export Dify DSL, edit graphs (versioned, rollback), run with
 * Dify's SSE events or blocking, run history with per-node results, stop, resume a dropped
 * stream, app keys; and the Dify-compatible app API under `/v1` (dify-app-routes.ts).
 */
export function workflowsRoutes(
  dependencies: AppDependencies,
  options: { knowledge?: WorkflowKnowledgeRetriever; browser?: WorkflowBrowser } = {},
): FastifyPluginAsyncZod {
  const { store, gateway, logger } = dependencies;
  const { db } = store;
  return async (app) => {
    const { config } = dependencies;
    configurePythonSandbox({
      ...(config.pythonPath ? { interpreter: config.pythonPath } : {}),
      ...(config.pythonMaxConcurrency ? { maxConcurrency: config.pythonMaxConcurrency } : {}),
    });
    // In the background once the server listens, so the first code node does not start the
    // sandboxes (not before: a start that fails to listen must not be kept alive by them).
    app.addHook("onListen", async () => {
      void warmUpCodeSandbox();
    });
    const allowedHosts = config.workflowHttpAllowedHosts;
    // With Redis, runs go through the queue: this server and any `nexus worker` share them.
    const dispatch =
      dependencies.queue.kind === "bullmq"
        ? { queue: dependencies.queue, events: dependencies.events }
        : undefined;
    // The workspace's MCP servers, which nodes name by provider_id; their headers are sealed.
    const mcpServers = new McpServerStore(db, createSecretBox(instanceSecret(config)));
    const service = new WorkflowService({
      db,
      gateway,
      mcpServers,
      ...(options.knowledge ? { knowledge: options.knowledge } : {}),
      ...(options.browser ? { browser: options.browser } : {}),
      ...(dispatch ? { dispatch } : {}),
      events: dependencies.events,
      ...(allowedHosts.length > 0 ? { allowedHosts } : {}),
      limits: { maxSteps: config.workflowMaxSteps, maxDurationMs: config.workflowMaxDurationMs },
      onError: (error, context) => logger.error({ err: error }, `workflows: ${context}`),
    });
    // Runs whose process died (kill -9, a lost replica) are taken over and resumed: at start,
    // then every 30 s for runs of other replicas that stop saying they are alive.
    const recover = () => {
      service
        .recover()
        .catch((error) => logger.error({ err: error }, "workflows: recovering interrupted runs"));
    };
    const recovery = setInterval(recover, 30_000);
    recovery.unref();
    const triggers = new WorkflowTriggers(
      db,
      service,
      dependencies.queue,
      dependencies.events,
      (error, context) => logger.error({ err: error }, `workflows: ${context}`),
    );
    app.addHook("onReady", async () => {
      recover();
      await triggers.start();
    });
    // NEXUS_SERVE_RUNS=false: this server only queues runs; `nexus worker` processes run them.
    if (dispatch && config.serveRuns)
      serveWorkflowRuns(dispatch.queue, service, { concurrency: config.workerConcurrency });
    // preClose, not onClose: Fastify waits for open responses before onClose hooks, and a run's
    // stream stays open until the run is stopped (here) or detached (runs on a worker).
    app.addHook("preClose", async () => {
      clearInterval(recovery);
      await triggers.close();
      await service.close();
    });
    const appKeys = new AppKeyCache(db);
    const tags = ["workflows"];

    app.get(
      "/api/workflows",
      {
        schema: {
          tags,
          summary: "The workspace's workflows",
          response: { 200: z.object({ data: z.array(workflowSummarySchema) }), ...authErrors },
        },
      },
      async (request) => ({ data: await listWorkflows(db, principalOf(request).workspaceId) }),
    );

    app.post(
      "/api/workflows/import",
      {
        bodyLimit: importBodyLimit,
        schema: {
          tags,
          summary: "Import a Dify DSL file (YAML); nodes Nexus cannot run are kept, marked and listed",
          body: z.object({ yaml: z.string().min(1, "yaml is empty"), name: z.string().max(200).optional() }),
          response: {
            201: z.object({ workflow: workflowSummarySchema, report: importReportSchema }),
            413: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request);
        return reply
          .code(201)
          .send(await service.importWorkflow(workspaceId, request.body.yaml, request.body.name));
      },
    );

    app.get(
      "/api/workflows/:id",
      {
        schema: {
          tags,
          summary: "A workflow with its graph and inputs",
          params: idParams,
          response: { 200: z.object({ workflow: workflowDetailSchema }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => ({
        workflow: detailOf(await getWorkflow(db, principalOf(request).workspaceId, request.params.id)),
      }),
    );

    app.put(
      "/api/workflows/:id",
      {
        bodyLimit: graphBodyLimit,
        schema: {
          tags,
          summary: "Save an edited graph as the next version (checked: node types, edges, cycles, variables)",
          params: idParams,
          body: z.object({ graph: graphSchema, name: z.string().max(200).optional() }),
          response: { 200: z.object({ workflow: workflowDetailSchema }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => {
        const saved = await service.saveGraph(
          principalOf(request).workspaceId,
          request.params.id,
          request.body.graph as Graph,
          request.body.name,
        );
        return { workflow: detailOf(saved) };
      },
    );

    app.get(
      "/api/workflows/:id/export",
      {
        schema: {
          tags,
          summary:
            "The workflow as a Dify DSL file (YAML); secret environment values only with include_secret",
          params: idParams,
          querystring: z.object({ include_secret: z.enum(["true", "false"]).default("false") }),
        },
      },
      async (request, reply) => {
        const yaml = await service.exportWorkflow(principalOf(request).workspaceId, request.params.id, {
          includeSecrets: request.query.include_secret === "true",
        });
        return reply.header("content-type", "text/yaml; charset=utf-8").send(yaml);
      },
    );

    app.delete(
      "/api/workflows/:id",
      {
        schema: {
          tags,
          summary: "Delete a workflow with its versions and runs",
          params: idParams,
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        await deleteWorkflow(db, workspaceId, request.params.id);
        service.forget(workspaceId, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/workflows/:id/versions",
      { schema: { tags, summary: "The workflow's saved versions, newest first", params: idParams } },
      async (request) => ({
        data: await listWorkflowVersions(db, principalOf(request).workspaceId, request.params.id),
      }),
    );

    app.post(
      "/api/workflows/:id/rollback",
      {
        schema: {
          tags,
          summary: "Make an earlier version's graph the newest version",
          params: idParams,
          body: z.object({ version: z.number().int().positive() }),
          response: { 200: z.object({ workflow: workflowDetailSchema }), 404: errorSchema, ...authErrors },
        },
      },
      async (request) => ({
        workflow: detailOf(
          await service.rollback(principalOf(request).workspaceId, request.params.id, request.body.version),
        ),
      }),
    );

    app.post(
      "/api/workflows/:id/runs",
      {
        schema: {
          tags,
          summary: "Run the workflow: Dify's SSE events (streaming) or the final result (blocking)",
          params: idParams,
          body: runRequestSchema,
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const body = request.body;
        const live = await service.start(principal.workspaceId, request.params.id, {
          inputs: body.inputs,
          ...(body.query !== undefined ? { query: body.query } : {}),
          ...(body.conversation_id ? { conversationId: body.conversation_id } : {}),
          ...(body.user ? { user: body.user } : {}),
          ...(body.files ? { files: body.files } : {}),
          ...(body.version ? { version: body.version } : {}),
          triggeredFrom: "api",
          apiKeyId: principal.keyId,
        });
        return replyToRun(reply, live, body.response_mode);
      },
    );

    app.get(
      "/api/workflows/:id/runs",
      {
        schema: {
          tags,
          summary: "The workflow's runs, newest first",
          params: idParams,
          response: { 200: z.object({ data: z.array(runRecordSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        await getWorkflow(db, workspaceId, request.params.id);
        return { data: await listRuns(db, workspaceId, request.params.id) };
      },
    );

    app.get(
      "/api/workflow-runs/:runId",
      {
        schema: {
          tags,
          summary: "A run with each node's inputs, outputs, status, error, timings and tokens",
          params: runParams,
          response: {
            200: z.object({ run: runRecordSchema.extend({ nodes: z.array(nodeRunSchema) }) }),
            404: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        try {
          return { run: await getRunWithNodes(db, workspaceId, request.params.runId) };
        } catch (error) {
          // A run younger than its first write (20 ms) is only in memory yet.
          const live = service.liveRun(workspaceId, request.params.runId);
          if (!live || !(error instanceof NexusError) || error.type !== "not_found") throw error;
          return { run: runFromEvents(live) };
        }
      },
    );

    app.get(
      "/api/workflow-runs/:runId/events",
      {
        schema: {
          tags,
          summary:
            "Follow a running run's events from where a dropped stream left off (Last-Event-ID or ?after=)",
          params: runParams,
          querystring: z.object({ after: z.coerce.number().int().min(0).optional() }),
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request);
        const live = service.liveRun(workspaceId, request.params.runId);
        if (!live) {
          const run = await getRunWithNodes(db, workspaceId, request.params.runId);
          throw new NexusError(
            "conflict",
            `Run '${run.id}' is not running in this server (status: ${run.status}); read it with GET /api/workflow-runs/${run.id}`,
          );
        }
        return sendRunEvents(reply, live, resumeAfter(request.headers["last-event-id"], request.query.after));
      },
    );

    app.post(
      "/api/workflow-runs/:runId/stop",
      {
        schema: {
          tags,
          summary: "Stop a running run",
          params: runParams,
          response: {
            200: z.object({ result: z.literal("success") }),
            404: errorSchema,
            409: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        if (service.stop(workspaceId, request.params.runId)) return { result: "success" as const };
        const run = await getRunWithNodes(db, workspaceId, request.params.runId);
        // Held by another replica or worker: it stops it there (marked stopped if none holds it).
        if (["running", "paused", "queued"].includes(run.status) && service.reachesOtherProcesses) {
          await service.stopElsewhere(workspaceId, run.id, true);
          return { result: "success" as const };
        }
        throw new NexusError("conflict", `Run '${run.id}' is not running (status: ${run.status})`);
      },
    );

    app.post(
      "/api/workflow-runs/:runId/replay",
      {
        schema: {
          tags,
          summary:
            "Run again with the same inputs, query and workflow version (a new run; streaming or blocking)",
          params: runParams,
          body: z
            .object({ response_mode: z.enum(["streaming", "blocking"]).default("blocking") })
            .default({ response_mode: "blocking" }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const earlier = await getRunWithNodes(db, principal.workspaceId, request.params.runId);
        const live = await service.start(principal.workspaceId, earlier.workflowId, {
          inputs: earlier.inputs,
          ...(earlier.query !== null ? { query: earlier.query } : {}),
          ...(earlier.conversationId !== null ? { conversationId: earlier.conversationId } : {}),
          ...(earlier.user !== null ? { user: earlier.user } : {}),
          version: earlier.workflowVersion,
          triggeredFrom: "replay",
          apiKeyId: principal.keyId,
        });
        return replyToRun(reply, live, request.body.response_mode);
      },
    );

    app.post(
      "/api/workflow-runs/:runId/human-input",
      {
        schema: {
          tags,
          summary: "Answer a human-input node of a paused run: the form's values and the action chosen",
          params: runParams,
          body: z.object({
            node_id: z.string().min(1).max(128),
            action: z.string().max(128).optional(),
            inputs: z.record(z.string(), z.unknown()).default({}),
          }),
          response: {
            200: z.object({ result: z.literal("success") }),
            404: errorSchema,
            409: errorSchema,
            503: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        const { node_id, action, inputs } = request.body;
        const answered = service.answerHumanInput(workspaceId, request.params.runId, node_id, {
          ...(action !== undefined ? { action } : {}),
          values: inputs,
        });
        if (answered) return { result: "success" as const };
        const run = await getRunWithNodes(db, workspaceId, request.params.runId);
        if (run.status === "paused" && service.reachesOtherProcesses) {
          // Paused on another replica or worker: that process answers it (or a 400, as here).
          const result = await service.answerElsewhere(workspaceId, run.id, node_id, {
            ...(action !== undefined ? { action } : {}),
            values: inputs,
          });
          if (result === "done") return { result: "success" as const };
          if (result === "no-holder")
            throw new NexusError(
              "service_unavailable",
              `No process holds run '${run.id}' now (the one running it is gone); it resumes when recovered, answer it then`,
            );
        }
        throw new NexusError(
          "conflict",
          `Run '${run.id}' is not waiting for node '${node_id}' (status: ${run.status})`,
        );
      },
    );

    app.post(
      "/api/workflows/:id/app-keys",
      {
        schema: {
          tags,
          summary:
            "Publish: a new app key (`app-…`) for the Dify-compatible API of this workflow, shown once",
          params: idParams,
          response: {
            201: z.object({ id: z.string(), key: z.string(), prefix: z.string(), createdAt: z.string() }),
            404: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        await getWorkflow(db, workspaceId, request.params.id);
        return reply.code(201).send(await createAppKey(db, workspaceId, request.params.id));
      },
    );

    app.delete(
      "/api/workflows/:id/app-keys/:keyId",
      {
        schema: {
          tags,
          summary: "Revoke an app key",
          params: idParams.extend({ keyId: z.string().min(1).max(128) }),
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const { workspaceId } = principalOf(request, "admin");
        if (!(await appKeys.revoke(workspaceId, request.params.keyId)))
          throw new NexusError("not_found", `App key '${request.params.keyId}' not found`);
        return reply.code(204).send();
      },
    );

    const triggerSchema = z.object({
      id: z.string(),
      workflowId: z.string(),
      kind: z.enum(["api", "webhook", "cron", "event"]),
      cron: z.string().optional(),
      topic: z.string().optional(),
      method: z.string().optional(),
      path: z.string().optional(),
      inputs: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
    });

    app.post(
      "/api/workflows/:id/triggers",
      {
        schema: {
          tags,
          summary:
            "Add a trigger: api (a route of the workspace: method and path; 409 if taken), webhook (a secret URL, shown once), cron (UTC) or event (a core.events topic)",
          params: idParams,
          body: z.object({
            kind: z.enum(["api", "webhook", "cron", "event"]),
            cron: z.string().max(200).optional(),
            topic: z.string().max(200).optional(),
            method: z.string().max(10).optional(),
            path: z.string().max(300).optional(),
            inputs: z.record(z.string(), z.unknown()).optional(),
          }),
          response: {
            201: z.object({ trigger: triggerSchema, url: z.string().optional() }),
            404: errorSchema,
            409: errorSchema,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { workspaceId, workspaceSlug } = principalOf(request, "admin");
        const { trigger, token } = await triggers.create(workspaceId, request.params.id, request.body);
        const url = token
          ? `/hooks/workflows/${token}`
          : trigger.path
            ? `${apiTriggerPrefix}/${workspaceSlug}${trigger.path}`
            : undefined;
        return reply.code(201).send({ trigger, ...(url ? { url } : {}) });
      },
    );

    app.get(
      "/api/workflows/:id/triggers",
      {
        schema: {
          tags,
          summary: "The workflow's triggers",
          params: idParams,
          response: { 200: z.object({ data: z.array(triggerSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const { workspaceId } = principalOf(request);
        await getWorkflow(db, workspaceId, request.params.id);
        return { data: await listTriggers(db, workspaceId, request.params.id) };
      },
    );

    app.delete(
      "/api/workflows/:id/triggers/:triggerId",
      {
        schema: {
          tags,
          summary: "Remove a trigger",
          params: idParams.extend({ triggerId: z.string().min(1).max(128) }),
          response: { 204: z.undefined(), 404: errorSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        await triggers.remove(principalOf(request, "admin").workspaceId, request.params.triggerId);
        return reply.code(204).send();
      },
    );

    app.post(
      "/hooks/workflows/:token",
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "A webhook trigger: the JSON body's fields are the run's inputs; answers with the finished run",
          params: z.object({ token: z.string().min(1).max(200) }),
          body: z.record(z.string(), z.unknown()).optional(),
        },
      },
      async (request, reply) => {
        const trigger = await findWebhookTrigger(db, request.params.token);
        if (!trigger) throw new NexusError("not_found", "No webhook at this URL");
        const body = request.body ?? {};
        const live = await service.start(trigger.workspaceId, trigger.workflowId, {
          inputs: { ...trigger.inputs, ...body },
          ...(typeof body.query === "string" ? { query: body.query } : {}),
          triggeredFrom: "webhook",
          apiKeyId: null,
        });
        return replyToRun(reply, live, "blocking");
      },
    );

    await app.register(difyAppRoutes({ db, service, appKeys }));
    await app.register(workflowApiTriggerRoutes({ db, service }));
    await app.register(mcpServerRoutes({ servers: mcpServers, allowedHosts }));
  };
}
