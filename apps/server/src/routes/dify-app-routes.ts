import { type Database, NexusError } from "@nexus/core";
import {
  type AppKeyCache,
  getRun,
  getWorkflow,
  startVariablesOf,
  type WorkflowService,
} from "@nexus/workflows";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { z } from "zod";
import { errorSchema } from "./schemas.ts";
import { replyToRun } from "./workflow-run-replies.ts";
import { runInputsSchema } from "./workflow-schemas.ts";

const bearer = /^Bearer\s+(\S+)$/i;

/**
 * Dify's app API (`/v1/workflows/run`, `/v1/chat-messages`, stop, run detail) with app keys
 * (`Authorization: Bearer app-…`), so a Dify client pointed at Nexus works unchanged. These
 * routes are public to the workspace-key guard and check the app key themselves.
 */
export function difyAppRoutes({
  db,
  service,
  appKeys,
}: {
  db: Kysely<Database>;
  service: WorkflowService;
  appKeys: AppKeyCache;
}): FastifyPluginAsyncZod {
  async function appOf(request: FastifyRequest) {
    const key = bearer.exec(request.headers.authorization ?? "")?.[1];
    if (!key)
      throw new NexusError("authentication_error", "Missing app key: send 'Authorization: Bearer app-…'");
    const app = await appKeys.find(key);
    if (!app) throw new NexusError("authentication_error", "Invalid or revoked app key");
    return app;
  }
  const config = { public: true };
  const tags = ["dify-app-api"];
  return async (app) => {
    app.post(
      "/v1/workflows/run",
      {
        config,
        schema: {
          tags,
          summary: "Run the app's workflow (Dify's request and response shapes)",
          body: z.object({
            inputs: runInputsSchema,
            response_mode: z.enum(["streaming", "blocking"]).default("streaming"),
            user: z.string().max(256).optional(),
            files: z.array(z.unknown()).max(50).optional(),
          }),
        },
      },
      async (request, reply) => {
        const key = await appOf(request);
        const workflow = await service.summary(key.workspaceId, key.workflowId);
        if (workflow.mode !== "workflow") {
          throw new NexusError("invalid_request", "This app is a chat app; call POST /v1/chat-messages");
        }
        const live = await service.start(key.workspaceId, key.workflowId, {
          inputs: request.body.inputs,
          ...(request.body.user ? { user: request.body.user } : {}),
          ...(request.body.files ? { files: request.body.files } : {}),
          triggeredFrom: "app-api",
          apiKeyId: null,
        });
        return replyToRun(reply, live, request.body.response_mode);
      },
    );

    app.post(
      "/v1/chat-messages",
      {
        config,
        schema: {
          tags,
          summary: "Send a chat message to the app's chat workflow (Dify's shapes)",
          body: z.object({
            query: z.string().min(1, "query is required").max(100_000),
            inputs: runInputsSchema,
            response_mode: z.enum(["streaming", "blocking"]).default("streaming"),
            conversation_id: z.string().max(128).optional(),
            user: z.string().max(256).optional(),
            files: z.array(z.unknown()).max(50).optional(),
          }),
        },
      },
      async (request, reply) => {
        const key = await appOf(request);
        const workflow = await service.summary(key.workspaceId, key.workflowId);
        if (workflow.mode !== "advanced-chat") {
          throw new NexusError("invalid_request", "This app is a workflow app; call POST /v1/workflows/run");
        }
        const live = await service.start(key.workspaceId, key.workflowId, {
          inputs: request.body.inputs,
          query: request.body.query,
          ...(request.body.conversation_id ? { conversationId: request.body.conversation_id } : {}),
          ...(request.body.user ? { user: request.body.user } : {}),
          ...(request.body.files ? { files: request.body.files } : {}),
          triggeredFrom: "app-api",
          apiKeyId: null,
        });
        return replyToRun(reply, live, request.body.response_mode);
      },
    );

    const stopSchema = {
      tags,
      summary: "Stop a streaming run by its task id",
      params: z.object({ task_id: z.string().min(1).max(128) }),
      body: z.object({ user: z.string().max(256).optional() }).optional(),
      response: { 200: z.object({ result: z.literal("success") }), 401: errorSchema },
    };
    const stop = async (request: FastifyRequest<{ Params: { task_id: string } }>) => {
      const key = await appOf(request);
      // Dify answers success for a task that already ended; so does Nexus.
      // A task another replica or worker runs is stopped there.
      if (!service.stop(key.workspaceId, request.params.task_id) && service.reachesOtherProcesses)
        await service.stopElsewhere(key.workspaceId, request.params.task_id, false);
      return { result: "success" as const };
    };
    app.post("/v1/workflows/tasks/:task_id/stop", { config, schema: stopSchema }, stop);
    app.post("/v1/chat-messages/:task_id/stop", { config, schema: stopSchema }, stop);

    app.get(
      "/v1/info",
      { config, schema: { tags, summary: "The app's name, description and mode (Dify's shape)" } },
      async (request) => {
        const key = await appOf(request);
        const { summary } = await getWorkflow(db, key.workspaceId, key.workflowId);
        return { name: summary.name, description: summary.description, tags: [], mode: summary.mode };
      },
    );

    app.get(
      "/v1/parameters",
      { config, schema: { tags, summary: "The app's input form and features (Dify's shape)" } },
      async (request) => {
        const key = await appOf(request);
        const { definition } = await getWorkflow(db, key.workspaceId, key.workflowId);
        const features = definition.features as Record<string, unknown>;
        // Dify lists each input as { <control type>: { variable, label, required, … } }.
        const user_input_form = startVariablesOf(definition).map((variable) => ({
          [variable.type]: {
            variable: variable.variable,
            label: variable.label ?? variable.variable,
            required: variable.required === true,
            ...(variable.max_length ? { max_length: variable.max_length } : {}),
            ...(variable.options ? { options: variable.options } : {}),
            default: variable.default ?? "",
          },
        }));
        return {
          opening_statement: features.opening_statement ?? "",
          suggested_questions: features.suggested_questions ?? [],
          suggested_questions_after_answer: features.suggested_questions_after_answer ?? { enabled: false },
          speech_to_text: features.speech_to_text ?? { enabled: false },
          text_to_speech: features.text_to_speech ?? { enabled: false },
          retriever_resource: features.retriever_resource ?? { enabled: false },
          annotation_reply: { enabled: false },
          user_input_form,
          file_upload: features.file_upload ?? { enabled: false },
          system_parameters: {
            file_size_limit: 15,
            image_file_size_limit: 10,
            audio_file_size_limit: 50,
            video_file_size_limit: 100,
          },
        };
      },
    );

    app.get(
      "/v1/workflows/run/:id",
      {
        config,
        schema: {
          tags,
          summary: "A run's detail (Dify's shape)",
          params: z.object({ id: z.string().min(1).max(128) }),
        },
      },
      async (request) => {
        const key = await appOf(request);
        const run = await getRun(db, key.workspaceId, request.params.id);
        if (run.workflowId !== key.workflowId)
          throw new NexusError("not_found", `Workflow run '${request.params.id}' not found`);
        return {
          id: run.id,
          workflow_id: run.workflowId,
          status: run.status,
          inputs: JSON.stringify(run.inputs),
          outputs: run.outputs,
          error: run.error,
          total_steps: run.totalSteps,
          total_tokens: run.totalTokens,
          created_at: Math.floor(Date.parse(run.createdAt) / 1000),
          finished_at: run.finishedAt ? Math.floor(Date.parse(run.finishedAt) / 1000) : null,
          elapsed_time: (run.elapsedMs ?? 0) / 1000,
        };
      },
    );
  };
}
