import {
  createConversation,
  createConversationSchema,
  deleteConversation,
  exportConversationJson,
  exportConversationMarkdown,
  type GenerationRegistry,
  generatingMessageIds,
  getConversationTree,
  getConversationWithBranch,
  importConversations,
  listConversations,
  searchMessages,
  storableString,
  updateConversation,
  updateConversationSchema,
} from "@nexus/chat";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDependencies } from "../dependencies.ts";
import { conversationSchema, messageSchema, searchHitSchema } from "./chat-schemas.ts";
import { conversationOwnerOf } from "./conversation-owner.ts";
import { authErrors, errorSchema } from "./schemas.ts";

const idParams = z.object({ id: storableString().min(1).max(128) });
const notFound = { 404: errorSchema };

/** Imports carry whole histories (ChatGPT's conversations.json); other chat bodies stay small. */
export const conversationImportBodyLimit = 20 * 1024 * 1024;

/**
 * `/api/conversations`: the caller's conversations (another owner's or workspace's are 404s),
 * their branches, search over their messages, export and import. Messages and generation are
 * in chat-message-routes.ts.
 */
export function conversationRoutes({
  store,
  generations,
}: Pick<AppDependencies, "store"> & { generations: GenerationRegistry }): FastifyPluginAsyncZod {
  const { db } = store;
  return async (app) => {
    const tags = ["chat"];

    app.get(
      "/api/conversations",
      {
        schema: {
          tags,
          summary:
            "The caller's conversations, pinned first, then most recently updated; `folder=` (empty) lists those in no folder",
          querystring: z.strictObject({
            folder: storableString().max(100).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(512).optional(),
          }),
          response: {
            200: z.object({ data: z.array(conversationSchema), nextCursor: z.string().nullable() }),
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { folder, limit, cursor } = request.query;
        return listConversations(db, conversationOwnerOf(request), {
          ...(folder !== undefined ? { folder: folder === "" ? null : folder } : {}),
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
        });
      },
    );

    app.post(
      "/api/conversations",
      {
        schema: {
          tags,
          summary: "Start a conversation (the agent's model when no model is given)",
          body: createConversationSchema,
          response: { 201: conversationSchema, ...authErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createConversation(db, conversationOwnerOf(request), request.body)),
    );

    app.get(
      "/api/conversations/search",
      {
        schema: {
          tags,
          summary: "Full-text search over every message of the caller's conversations, best match first",
          querystring: z.strictObject({
            q: z.string().max(1_000),
            limit: z.coerce.number().int().min(1).max(100).default(20),
          }),
          response: { 200: z.object({ data: z.array(searchHitSchema) }), ...authErrors },
        },
      },
      async (request) => ({
        data: await searchMessages(store, conversationOwnerOf(request), request.query.q, request.query.limit),
      }),
    );

    app.post(
      "/api/conversations/import",
      {
        bodyLimit: conversationImportBodyLimit,
        schema: {
          tags,
          summary:
            "Import a Nexus conversation export or ChatGPT's conversations.json (an array; each becomes a conversation); all or nothing, up to 20 MB",
          body: z
            .unknown()
            .describe("{ nexusConversation: 1, conversation, messages } or ChatGPT's conversations.json"),
          response: { 201: z.object({ data: z.array(conversationSchema) }), ...authErrors },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send({ data: await importConversations(db, conversationOwnerOf(request), request.body) }),
    );

    app.get(
      "/api/conversations/:id",
      {
        schema: {
          tags,
          summary: "A conversation and its active branch, root first",
          params: idParams,
          response: {
            200: z.object({ conversation: conversationSchema, messages: z.array(messageSchema) }),
            ...notFound,
            ...authErrors,
          },
        },
      },
      async (request) => {
        const view = await getConversationWithBranch(db, conversationOwnerOf(request), request.params.id);
        // A reply running here is shown as it is now, not as last stored: a reload mid-stream
        // then never shows less than the page had before.
        for (const message of view.messages) {
          const live = message.status === "generating" ? generations.live(message.id) : undefined;
          if (live) Object.assign(message, { content: live.content, parts: live.parts });
        }
        return view;
      },
    );

    app.get(
      "/api/conversations/:id/tree",
      {
        schema: {
          tags,
          summary: "Every message of every branch, oldest first",
          params: idParams,
          response: { 200: z.object({ messages: z.array(messageSchema) }), ...notFound, ...authErrors },
        },
      },
      async (request) => getConversationTree(db, conversationOwnerOf(request), request.params.id),
    );

    app.patch(
      "/api/conversations/:id",
      {
        schema: {
          tags,
          summary:
            "Rename, pin, file (folder; null for none), change the model, or switch branch (activeLeafId: any message; its newest descendant becomes the leaf)",
          params: idParams,
          body: updateConversationSchema,
          response: { 200: conversationSchema, ...notFound, ...authErrors },
        },
      },
      async (request) =>
        updateConversation(db, conversationOwnerOf(request), request.params.id, request.body),
    );

    app.delete(
      "/api/conversations/:id",
      {
        schema: {
          tags,
          summary: "Delete a conversation with all its messages",
          params: idParams,
          response: { 204: z.undefined(), ...notFound, ...authErrors },
        },
      },
      async (request, reply) => {
        const owner = conversationOwnerOf(request);
        // A reply left running would keep calling the model (and spending) for a conversation
        // nobody can see any more; stop it on whichever replica runs it first.
        const running = await generatingMessageIds(db, owner, request.params.id);
        await Promise.all(running.map((messageId) => generations.stop(messageId)));
        await deleteConversation(db, owner, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/conversations/:id/export",
      {
        schema: {
          tags,
          summary:
            "Export: Markdown (the active branch) or JSON ({ nexusConversation: 1, conversation, messages }, every branch)",
          params: idParams,
          querystring: z.strictObject({ format: z.enum(["markdown", "json"]).default("json") }),
        },
      },
      async (request, reply) => {
        const owner = conversationOwnerOf(request);
        const { id } = request.params;
        if (request.query.format === "json") {
          const file = await exportConversationJson(db, owner, id);
          return reply
            .header("content-disposition", attachment(file.conversation.title, id, "json"))
            .send(file);
        }
        const { title, markdown } = await exportConversationMarkdown(db, owner, id);
        return reply
          .type("text/markdown; charset=utf-8")
          .header("content-disposition", attachment(title, id, "md"))
          .send(markdown);
      },
    );
  };
}

/** A download name from the title, in plain ASCII (header-safe), else the conversation id. */
function attachment(title: string, id: string, extension: string): string {
  const name = title
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._ -]+/g, "")
    .trim()
    .replace(/\s+/g, "-")
    .slice(0, 80);
  return `attachment; filename="${name || id}.${extension}"`;
}
