import {
  createConversation,
  findOwnedConversation,
  type GenerationRegistry,
  getAgent,
  getConversationWithBranch,
  messageOf,
  sendMessage,
  storableString,
  widgetGenerationOf,
  widgetLimits,
  widgetMessageOf,
  widgetMessagesOf,
  widgetSessionOf,
} from "@nexus/chat";
import { NexusError } from "@nexus/core";
import { createMemoryLimitCounters, createRedisLimitCounters } from "@nexus/gateway";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { sendGenerationEvents } from "./chat-message-stream.ts";
import { errorSchema } from "./schemas.ts";
import { widgetConversationSchema, widgetMessageSchema, widgetSessionSchema } from "./widget-schemas.ts";
import { answerWidgetPreflight, createWidgetSiteAccess, type WidgetCaller } from "./widget-site-access.ts";

const id = z.string().min(1).max(64);
const conversationParams = z.object({ id });
const messageParams = z.object({ id, messageId: id });
const emptyBody = z.strictObject({}).optional();
const sendBody = z.strictObject({
  content: storableString()
    .max(widgetLimits.messageCharacters, `content is at most ${widgetLimits.messageCharacters} characters`)
    .refine((text) => text.trim() !== "", "content must not be empty"),
});
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema };
const tags = ["widget"];
// Not an API key: the site token in `x-nexus-site-token` and a visitor id in `x-nexus-visitor`.
const security: Array<Record<string, string[]>> = [];

/**
 * The widget API (`/api/widget/...` but `tokens`): what the chat bubble on a site calls, with a
 * site token instead of an API key. Everything is scoped to the token's agent and to the
 * visitor: a visitor sees only the conversations it started through this token. Replies are
 * generated on the server like the chat API's, and streamed the same way, text only.
 */
export function widgetApiRoutes({
  store,
  config,
  redisPrefix,
  generations: registry,
}: Pick<AppDependencies, "store" | "config" | "redisPrefix"> & {
  generations: GenerationRegistry;
}): FastifyPluginAsyncZod {
  const { db } = store;
  return async (app) => {
    // Replicas share one site's limits through Redis, as the gateway's limits do.
    const counters = config.redisUrl
      ? createRedisLimitCounters({ redisUrl: config.redisUrl, prefix: redisPrefix })
      : createMemoryLimitCounters();
    app.addHook("onClose", () => counters.close());
    const access = createWidgetSiteAccess(db, counters);
    const openStreams = new Set<{ end: () => void; ended: Promise<void> }>();
    app.addHook("preClose", async () => {
      await registry.shutdown();
      const grace = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      await Promise.race([Promise.all([...openStreams].map((stream) => stream.ended)), grace]);
      for (const stream of openStreams) stream.end();
    });

    const widgetRoute = {
      config: { public: true },
      onRequest: access.authenticate,
      bodyLimit: widgetLimits.bodyBytes,
    };
    const caller = (request: Parameters<typeof access.callerOf>[0]): WidgetCaller => access.callerOf(request);
    const turn = (request: { id: string }) => ({ apiKeyId: null, requestId: request.id });
    for (const path of [
      "/api/widget/session",
      "/api/widget/conversations",
      "/api/widget/conversations/:id",
      "/api/widget/conversations/:id/messages",
      "/api/widget/conversations/:id/messages/:messageId/stream",
      "/api/widget/conversations/:id/messages/:messageId/stop",
    ]) {
      app.options(path, { config: { public: true }, schema: { hide: true } }, answerWidgetPreflight);
    }

    app.post(
      "/api/widget/session",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary:
            "A widget starts: the agent's public face and the bubble's theme (site token in x-nexus-site-token)",
          body: emptyBody,
          response: { 200: widgetSessionSchema, ...errors },
        },
      },
      async (request) => {
        const { token } = caller(request);
        return widgetSessionOf(await getAgent(db, token.workspaceId, token.agentId), token);
      },
    );

    app.post(
      "/api/widget/conversations",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary: "A visitor starts a conversation with the token's agent",
          body: emptyBody,
          response: { 201: widgetConversationSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { token, owner } = caller(request);
        const conversation = await createConversation(db, owner, { agentId: token.agentId });
        return reply.code(201).send({ id: conversation.id, createdAt: conversation.createdAt, messages: [] });
      },
    );

    app.get(
      "/api/widget/conversations/:id",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary: "A visitor's conversation: its messages, first to last",
          params: conversationParams,
          response: { 200: widgetConversationSchema, ...errors },
        },
      },
      async (request) => {
        const { conversation, messages } = await getConversationWithBranch(
          db,
          caller(request).owner,
          request.params.id,
        );
        return {
          id: conversation.id,
          createdAt: conversation.createdAt,
          messages: widgetMessagesOf(messages),
        };
      },
    );

    app.post(
      "/api/widget/conversations/:id/messages",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary: "A visitor's question; the reply is generated on the server (202; follow it with /stream)",
          params: conversationParams,
          body: sendBody,
          response: {
            202: z.object({ userMessage: widgetMessageSchema, assistantMessage: widgetMessageSchema }),
            ...errors,
            413: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const conversation = await ownedConversation(caller(request), request.params.id);
        const sent = await sendMessage(
          { db, registry },
          { conversation, content: request.body.content, caller: turn(request) },
        );
        return reply.code(202).send({
          userMessage: widgetMessageOf(sent.userMessage),
          assistantMessage: widgetMessageOf(sent.assistantMessage),
        });
      },
    );

    app.get(
      "/api/widget/conversations/:id/messages/:messageId/stream",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary: "Server-sent events of a reply, as in the chat API (snapshot, delta, done; text only)",
          params: messageParams,
        },
      },
      async (request, reply) => {
        const conversation = await ownedConversation(caller(request), request.params.id);
        const message = await messageOf(db, conversation.id, request.params.messageId);
        const followed = await registry.follow(message.id);
        if (!followed) throw new NexusError("not_found", `Message '${message.id}' not found`);
        return sendGenerationEvents(reply, widgetGenerationOf(followed), {
          log: request.log,
          finalMessage: async () => widgetMessageOf(await messageOf(db, conversation.id, message.id)),
          register: (stream) => {
            openStreams.add(stream);
            return () => openStreams.delete(stream);
          },
        });
      },
    );

    app.post(
      "/api/widget/conversations/:id/messages/:messageId/stop",
      {
        ...widgetRoute,
        schema: {
          tags,
          security,
          summary: "Stop a reply being generated, keeping what was generated",
          params: messageParams,
          body: emptyBody,
          response: { 200: widgetMessageSchema, ...errors },
        },
      },
      async (request) => {
        const conversation = await ownedConversation(caller(request), request.params.id);
        const message = await messageOf(db, conversation.id, request.params.messageId);
        await registry.stop(message.id);
        return widgetMessageOf(await messageOf(db, conversation.id, message.id));
      },
    );

    async function ownedConversation(widgetCaller: WidgetCaller, conversationId: string) {
      const conversation = await findOwnedConversation(db, widgetCaller.owner, conversationId);
      // The owner id names the token, so this holds; checked anyway, cheaply.
      if (conversation.agent_id !== widgetCaller.token.agentId) {
        throw new NexusError("not_found", `Conversation '${conversationId}' not found`);
      }
      return conversation;
    }
  };
}
