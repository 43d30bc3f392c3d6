import {
  buildTree,
  conversationView,
  editMessage,
  findOwnedConversation,
  type GenerationRegistry,
  type MessageView,
  messageLimits,
  messageOf,
  messageView,
  putMessageFeedback,
  regenerateMessage,
  sendMessage,
  storableString,
  writeConversationTitle,
} from "@nexus/chat";
import { type ChatMessageTable, type Database, NexusError } from "@nexus/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { principalOf } from "../plugins/authentication.ts";
import { sendGenerationEvents } from "./chat-message-stream.ts";
import { conversationSchema, messageSchema } from "./chat-schemas.ts";
import { conversationOwnerOf as ownerOf } from "./conversation-owner.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const id = z.string().min(1).max(128);
const conversationParams = z.object({ id });
const messageParams = z.object({ id, messageId: id });
const attachment = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("image"),
    dataUrl: z.string().min(1),
    name: storableString().max(255).optional(),
  }),
  z.strictObject({
    type: z.literal("text_file"),
    name: storableString().min(1).max(255),
    text: storableString(),
  }),
]);
const parts = z.array(attachment).max(20, "at most 20 attachments per message");
const sendBody = z.strictObject({
  content: storableString(),
  parentId: id.nullable().optional(),
  parts: parts.optional(),
});
const editBody = z.strictObject({ content: storableString(), parts: parts.optional() });
const feedbackBody = z.strictObject({
  rating: z.enum(["up", "down"]).nullable(),
  comment: storableString().max(10_000).optional(),
});

const tags = ["chat"];
const errors = { ...authErrors, 404: errorSchema, 413: errorSchema };
const turnAnswer = z.object({ userMessage: messageSchema, assistantMessage: messageSchema });

/**
 * Messages and their generation (docs/chat-api.md "Messages and generation"): sending, editing
 * and regenerating start a reply that runs on the server; its stream can be left and resumed
 * from any replica; stop ends it on whichever replica runs it. Also feedback and titles.
 */
export function chatMessageRoutes({
  store,
  gateway,
  logger,
  generations: registry,
}: Pick<AppDependencies, "store" | "gateway" | "logger"> & {
  generations: GenerationRegistry;
}): FastifyPluginAsyncZod {
  return async (app) => {
    const { db } = store;
    const openStreams = new Set<{ end: () => void; ended: Promise<void> }>();
    // Before the server stops accepting: generations end `stopped`, their streams get `done`;
    // streams of generations other replicas run are ended after a moment.
    app.addHook("preClose", async () => {
      await registry.shutdown();
      const streams = [...openStreams];
      const grace = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      await Promise.race([Promise.all(streams.map((stream) => stream.ended)), grace]);
      for (const stream of streams) stream.end();
    });
    // Fastify's own 413 says nothing about what the limits are.
    app.setErrorHandler((error: FastifyError) => {
      if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        throw new NexusError(
          "payload_too_large",
          `A message request is limited to ${messageLimits.bodyBytes / 1024 / 1024} MB: images up to ${messageLimits.imageBytes / 1024 / 1024} MB each as data URLs, text files up to ${messageLimits.textFileCharacters} characters, content up to ${messageLimits.contentCharacters} characters`,
        );
      }
      throw error;
    });
    const bodyLimit = messageLimits.bodyBytes;
    const turns = { db, registry };

    /** The reply's event stream for one message of a conversation the caller owns. */
    const streamMessage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      conversationId: string,
      messageId: string,
      first?: { event: string; data: unknown },
    ) => {
      const followed = await registry.follow(messageId);
      if (!followed) throw new NexusError("not_found", `Message '${messageId}' not found`);
      return sendGenerationEvents(reply, followed, {
        log: request.log,
        first,
        finalMessage: async () => {
          const [view] = await viewsOf(db, conversationId, [await messageOf(db, conversationId, messageId)]);
          return view;
        },
        register: (stream) => {
          openStreams.add(stream);
          return () => openStreams.delete(stream);
        },
      });
    };

    /**
     * A started turn's answer: 202 with the new messages, or, for a client that accepts
     * `text/event-stream`, the reply's stream at once with a `created` event first (one round
     * trip less before the first token).
     */
    const answerTurn = (
      request: FastifyRequest,
      reply: FastifyReply,
      conversationId: string,
      created: { userMessage?: MessageView; assistantMessage: MessageView },
    ) =>
      wantsEventStream(request)
        ? streamMessage(request, reply, conversationId, created.assistantMessage.id, {
            event: "created",
            data: created,
          })
        : reply.code(202).send(created);

    app.post(
      "/api/conversations/:id/messages",
      {
        bodyLimit,
        schema: {
          tags,
          summary:
            "Send a message; its reply is generated on the server (202; follow it with /stream), or streamed at once with `Accept: text/event-stream` (`created` first)",
          params: conversationParams,
          body: sendBody,
          response: { 202: turnAnswer, ...errors },
        },
      },
      async (request, reply) => {
        const conversation = await findOwnedConversation(db, ownerOf(request), request.params.id);
        const sent = await sendMessage(turns, {
          conversation,
          content: request.body.content,
          parts: request.body.parts,
          parentId: request.body.parentId,
          caller: callerOf(request),
        });
        const tree = buildTree(sent.nodes);
        const userMessage = messageView(sent.userMessage, tree);
        const assistantMessage = messageView(sent.assistantMessage, tree);
        return answerTurn(request, reply, conversation.id, { userMessage, assistantMessage });
      },
    );

    app.post(
      "/api/conversations/:id/messages/:messageId/regenerate",
      {
        schema: {
          tags,
          summary: "Generate another reply beside an assistant message (202)",
          params: messageParams,
          response: { 202: z.object({ assistantMessage: messageSchema }), ...errors },
        },
      },
      async (request, reply) => {
        const conversation = await findOwnedConversation(db, ownerOf(request), request.params.id);
        const { assistantMessage } = await regenerateMessage(turns, {
          conversation,
          messageId: request.params.messageId,
          caller: callerOf(request),
        });
        const [view] = await viewsOf(db, conversation.id, [assistantMessage]);
        return answerTurn(request, reply, conversation.id, { assistantMessage: view });
      },
    );

    app.post(
      "/api/conversations/:id/messages/:messageId/edit",
      {
        bodyLimit,
        schema: {
          tags,
          summary: "Edit a user message: the edit becomes a sibling and gets a new reply (202)",
          params: messageParams,
          body: editBody,
          response: { 202: turnAnswer, ...errors },
        },
      },
      async (request, reply) => {
        const conversation = await findOwnedConversation(db, ownerOf(request), request.params.id);
        const edited = await editMessage(turns, {
          conversation,
          messageId: request.params.messageId,
          content: request.body.content,
          parts: request.body.parts,
          caller: callerOf(request),
        });
        const [userMessage, assistantMessage] = await viewsOf(db, conversation.id, [
          edited.userMessage,
          edited.assistantMessage,
        ]);
        return answerTurn(request, reply, conversation.id, { userMessage, assistantMessage });
      },
    );

    app.get(
      "/api/conversations/:id/messages/:messageId/stream",
      {
        schema: {
          tags,
          summary:
            "Server-sent events of a message: snapshot first (how a reload resumes), then delta/tool, then done",
          params: messageParams,
        },
      },
      async (request, reply) => {
        const conversation = await findOwnedConversation(db, ownerOf(request), request.params.id);
        const message = await messageOf(db, conversation.id, request.params.messageId);
        return streamMessage(request, reply, conversation.id, message.id);
      },
    );

    app.post(
      "/api/conversations/:id/messages/:messageId/stop",
      {
        schema: {
          tags,
          summary: "Stop a reply being generated (on any replica), keeping what was generated",
          params: messageParams,
          response: { 200: messageSchema, ...errors },
        },
      },
      async (request) => {
        const conversation = await findOwnedConversation(db, ownerOf(request), request.params.id);
        const message = await messageOf(db, conversation.id, request.params.messageId);
        await registry.stop(message.id);
        return (await viewsOf(db, conversation.id, [await messageOf(db, conversation.id, message.id)]))[0];
      },
    );

    app.put(
      "/api/messages/:id/feedback",
      {
        schema: {
          tags,
          summary: "Thumbs up or down and a comment on a message (kept for fine-tuning datasets)",
          params: conversationParams,
          body: feedbackBody,
          response: { 200: messageSchema, ...errors },
        },
      },
      async (request) => {
        const { message, feedback } = await putMessageFeedback(
          db,
          ownerOf(request),
          request.params.id,
          request.body,
        );
        const [view] = await viewsOf(db, message.conversation_id, [message]);
        return { ...view, feedback };
      },
    );

    app.post(
      "/api/conversations/:id/title",
      {
        schema: {
          tags,
          summary:
            "Title the conversation from its first exchange (the model writes it; else its first words)",
          params: conversationParams,
          response: { 200: conversationSchema, ...errors },
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        const conversation = await findOwnedConversation(db, owner, request.params.id);
        await writeConversationTitle({ db, gateway, logger }, { conversation, caller: callerOf(request) });
        return conversationView(await findOwnedConversation(db, owner, conversation.id));
      },
    );
  };
}

function callerOf(request: FastifyRequest): { apiKeyId: string | null; requestId: string } {
  const principal = principalOf(request);
  // A web session acts as the key it signed in with: that key's limits and usage apply.
  return { apiKeyId: principal.keyId, requestId: request.id };
}

/** API views of some messages of a conversation, with their places among their siblings. */
async function viewsOf<Rows extends ChatMessageTable[]>(
  db: Kysely<Database>,
  conversationId: string,
  rows: [...Rows],
): Promise<{ [Index in keyof Rows]: MessageView }> {
  const nodes = await db
    .selectFrom("chat_messages")
    .select(["id", "parent_id", "created_at"])
    .where("conversation_id", "=", conversationId)
    .execute();
  const tree = buildTree(nodes);
  return rows.map((row) => messageView(row, tree)) as { [Index in keyof Rows]: MessageView };
}

function wantsEventStream(request: FastifyRequest): boolean {
  return request.headers.accept?.includes("text/event-stream") === true;
}
