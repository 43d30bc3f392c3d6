import fs from "node:fs";
import path from "node:path";
import type { ConversationView } from "@nexus/chat";
import { getWorkspaceBySlug } from "@nexus/core";
import { afterAll, beforeAll, expect } from "vitest";
import { type Backend, startTestServer, type TestServer } from "./test-server.ts";

/** Shared by the chat data API tests (agents, conversations, export and import). */
export const chatBackends: Backend[] = [
  { store: "sqlite", redis: false },
  { store: "postgres", redis: false },
];

/** A small but realistic ChatGPT `conversations.json`: hidden nodes, branches, tool traffic, an image. */
export const chatgptFixture = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "fixtures/chatgpt-conversations.json"), "utf8"),
) as unknown[];

/** A conversation as the API returns it: the chat package's own view type. */
export type Conversation = ConversationView;
export interface Message {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  parts: unknown[];
  status: string;
  siblings: { ids: string[]; index: number };
  feedback?: { rating: string | null; comment: string };
  createdAt: string;
}

export interface ChatDataClient {
  /** GET, expecting 200, as `key` (default: the client's). */
  get<T>(pathname: string, key?: string): Promise<T>;
  send(method: string, pathname: string, json: unknown, key?: string): Promise<Response>;
  newConversation(body?: unknown, key?: string): Promise<Conversation>;
  /**
   * Stores a message straight into the store (as the generation engine would) in an `agentx`
   * conversation, `at` seconds after a fixed time.
   */
  storeMessage(
    conversationId: string,
    input: {
      id: string;
      parentId: string | null;
      role?: "user" | "assistant";
      content: string;
      at: number;
      parts?: string;
    },
  ): Promise<void>;
}

export function chatDataClient(server: TestServer, defaultKey: string): ChatDataClient {
  const send = (method: string, pathname: string, json: unknown, key = defaultKey) =>
    server.call(pathname, { method, key, json });
  return {
    get: async <T>(pathname: string, key = defaultKey): Promise<T> => {
      const response = await server.call(pathname, { key });
      expect(response.status, `${pathname}: ${response.status}`).toBe(200);
      return (await response.json()) as T;
    },
    send,
    newConversation: async (body: unknown = { model: "test-chat" }, key = defaultKey) => {
      const response = await send("POST", "/api/conversations", body, key);
      expect(response.status).toBe(201);
      return (await response.json()) as Conversation;
    },
    storeMessage: async (conversationId, input) => {
      const db = server.nexus.dependencies.store.db;
      const { id: workspaceId } = await getWorkspaceBySlug(db, "agentx");
      const createdAt = new Date(Date.UTC(2024, 4, 1, 10, 0, input.at)).toISOString();
      await db
        .insertInto("chat_messages")
        .values({
          id: input.id,
          conversation_id: conversationId,
          workspace_id: workspaceId,
          parent_id: input.parentId,
          role: input.role ?? "user",
          content: input.content,
          parts: input.parts ?? "[]",
          status: "complete",
          error: null,
          model: input.role === "assistant" ? "test-chat" : null,
          usage: input.role === "assistant" ? JSON.stringify({ promptTokens: 3, completionTokens: 5 }) : null,
          created_at: createdAt,
          updated_at: createdAt,
        })
        .execute();
    },
  };
}

/** A server the chat data tests share, with its users' keys; filled in before the first test. */
export interface ChatDataServer extends ChatDataClient {
  server: TestServer;
  /** Members of `agentx`; `alice` is the client's default key. */
  alice: string;
  bob: string;
  /** An owner of another workspace (`azi-learns-ai`), who must see none of `agentx`'s data. */
  stranger: string;
}

/**
 * Starts a server on `backend` before the describe block's tests (stopped after them), with its
 * keys and a client acting as alice. The client's methods may be destructured at once.
 */
export function setUpChatDataServer(backend: Backend): ChatDataServer {
  let client: ChatDataClient | undefined;
  const started = (): ChatDataClient => {
    if (!client) throw new Error("the chat data server starts in beforeAll; use it inside a test");
    return client;
  };
  const chat = {
    get: <T>(pathname: string, key?: string) => started().get<T>(pathname, key),
    send: (method: string, pathname: string, json: unknown, key?: string) =>
      started().send(method, pathname, json, key),
    newConversation: (body?: unknown, key?: string) => started().newConversation(body, key),
    storeMessage: (conversationId, input) => started().storeMessage(conversationId, input),
  } as ChatDataServer;
  beforeAll(async () => {
    chat.server = await startTestServer(backend);
    chat.alice = await chat.server.key("agentx", "member");
    chat.bob = await chat.server.key("agentx", "member");
    chat.stranger = await chat.server.key("azi-learns-ai", "owner");
    client = chatDataClient(chat.server, chat.alice);
  });
  afterAll(async () => {
    await chat.server?.stop();
  });
  return chat;
}
