import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createEventBus,
  createLocalEventBus,
  type EventBus,
  getWorkspaceBySlug,
  newId,
  type Store,
} from "@nexus/core";
import { createGateway, createOpenAICompatibleProvider, type Gateway } from "@nexus/gateway";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openFreshStore, testRedisUrl, uniqueName } from "../../../core/src/testing/test-databases.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../gateway/src/testing/openai-test-server.ts";
import type { ConversationRow } from "../conversations/conversation-access.ts";
import { insertTestMessage } from "../conversations/test-store.ts";
import { sendMessage } from "./conversation-turns.ts";
import type { GenerationEvent } from "./generation-events.ts";
import { createGenerationRegistry, type GenerationRegistry } from "./generation-registry.ts";
import type { FollowedGeneration } from "./stored-generation-follower.ts";

/**
 * The registry across two replicas sharing a PostgreSQL database and Redis (each its own
 * registry and event bus), and on its own over SQLite: following and stopping a generation
 * another replica runs, shutdown, and generations a dead process left behind.
 */
describe("generation registry", () => {
  let upstream: OpenAITestServer;
  let gateway: Gateway;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    gateway = createGateway({
      providers: [createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL })],
    });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  async function openDatabase(kind: "sqlite" | "postgres"): Promise<Store> {
    const { store, close } = await openFreshStore(kind);
    cleanups.push(close);
    return store;
  }

  async function replica(
    store: Store,
    events: EventBus,
    options: { staleAfterMs?: number; fetchAllowedHosts?: string[] } = {},
  ) {
    const registry = createGenerationRegistry({
      db: store.db,
      gateway,
      events,
      persistIntervalMs: 50,
      remoteStopWaitMs: 300,
      ...options,
    });
    await registry.start();
    cleanups.push(() => registry.shutdown());
    return registry;
  }

  async function redisBus(prefix: string): Promise<EventBus> {
    const bus = await createEventBus({ redisUrl: testRedisUrl, prefix });
    cleanups.push(() => bus.close());
    return bus;
  }

  async function conversation(store: Store, model: string): Promise<ConversationRow> {
    const { id: workspaceId } = await getWorkspaceBySlug(store.db, "agentx");
    const now = new Date().toISOString();
    const row: ConversationRow = {
      id: newId("conv"),
      workspace_id: workspaceId,
      owner_id: "workspace",
      agent_id: null,
      title: "",
      model,
      folder: null,
      pinned: 0,
      active_leaf_id: null,
      created_at: now,
      updated_at: now,
    };
    await store.db.insertInto("chat_conversations").values(row).execute();
    return row;
  }

  const say = (registry: GenerationRegistry, store: Store, row: ConversationRow, content: string) =>
    sendMessage({ db: store.db, registry }, { conversation: row, content, caller: { apiKeyId: null } });

  async function collect(followed: FollowedGeneration): Promise<GenerationEvent[]> {
    const events: GenerationEvent[] = [];
    for await (const event of followed.events) events.push(event);
    return events;
  }

  const text = (followed: FollowedGeneration, events: GenerationEvent[]) =>
    followed.snapshot.content + events.map((event) => (event.type === "delta" ? event.text : "")).join("");

  const storedRow = (store: Store, id: string) =>
    store.db.selectFrom("chat_messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("follows a generation another replica runs, from a snapshot on, to done", async () => {
    const store = await openDatabase("postgres");
    const prefix = uniqueName("chat-replicas");
    const a = await replica(store, await redisBus(prefix));
    const b = await replica(store, await redisBus(prefix));
    // test-held streams three chunks and holds: the reply is certainly mid-way when followed.
    const row = await conversation(store, "double/test-held");
    const words = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";
    const { assistantMessage } = await say(a, store, row, words);
    await expect.poll(async () => (await storedRow(store, assistantMessage.id)).content).not.toBe("");
    expect(b.isRunning(assistantMessage.id)).toBe(false);

    const followed = await b.follow(assistantMessage.id);
    if (!followed) throw new Error("not found");
    expect(followed.snapshot.status).toBe("generating");
    const collected = collect(followed);
    await expect.poll(() => upstream.releaseHeld()).toBe(1);
    const events = await collected;
    expect(events.at(-1)).toEqual({ type: "done", status: "complete", error: null });
    expect(text(followed, events)).toBe(`You said: ${words}`);
    expect((await storedRow(store, assistantMessage.id)).content).toBe(`You said: ${words}`);
  });

  it("stops a generation from another replica, keeping its content", async () => {
    const store = await openDatabase("postgres");
    const prefix = uniqueName("chat-replicas");
    const a = await replica(store, await redisBus(prefix));
    const b = await replica(store, await redisBus(prefix));
    const row = await conversation(store, "double/test-dribble");
    const { assistantMessage } = await say(a, store, row, "a b c d e f g h i j k l m n o p");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await b.stop(assistantMessage.id);
    // Answered by replica A's `done`, not by the fallback after remoteStopWaitMs.
    expect(Date.now() - started).toBeLessThan(300);
    expect(a.isRunning(assistantMessage.id)).toBe(false);
    const stored = await storedRow(store, assistantMessage.id);
    expect(stored.status).toBe("stopped");
    expect(stored.content.length).toBeGreaterThan(0);
    expect("You said: a b c d e f g h i j k l m n o p".startsWith(stored.content)).toBe(true);
  });

  it("finishes a generation whose process died: stopped on stop, failed when stale or at start", async () => {
    const store = await openDatabase("postgres");
    const prefix = uniqueName("chat-replicas");
    const row = await conversation(store, "double/test-chat");
    const orphan = async (content: string, updatedAt: Date) => {
      return insertTestMessage(store, {
        id: newId("msg"),
        conversationId: row.id,
        workspaceId: row.workspace_id,
        parentId: null,
        role: "assistant",
        content,
        createdAt: updatedAt.toISOString(),
        status: "generating",
        model: "double/test-chat",
      });
    };
    const stale = await orphan("half an ans", new Date(Date.now() - 60_000));
    const fresh = await orphan("still going", new Date());
    const b = await replica(store, await redisBus(prefix));
    // At start, with other replicas possible, only what stopped beating is taken as dead.
    expect(await storedRow(store, stale)).toMatchObject({ status: "failed", content: "half an ans" });
    expect((await storedRow(store, stale)).error).toMatch(
      /server stopped while this reply was being generated/,
    );
    expect((await storedRow(store, fresh)).status).toBe("generating");

    await b.stop(fresh);
    expect(await storedRow(store, fresh)).toMatchObject({
      status: "stopped",
      content: "still going",
      error: null,
    });

    // Followed after its heartbeat stopped: failed on the spot, and the follower told.
    const silent = await orphan("silent", new Date(Date.now() - 45_000));
    const followed = await b.follow(silent);
    expect(followed?.snapshot.status).toBe("failed");
    if (!followed) throw new Error("not found");
    expect((await collect(followed)).at(-1)).toMatchObject({ type: "done", status: "failed" });
  });

  it("on a single process, fails every generation left at start and stops its own on shutdown", async () => {
    const store = await openDatabase("sqlite");
    const row = await conversation(store, "double/test-dribble");
    const events = createLocalEventBus();
    cleanups.push(() => events.close());
    const first = await replica(store, events);
    const { assistantMessage } = await say(first, store, row, "a b c d e f g h i j k l m n o p q r s t");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const followed = await first.follow(assistantMessage.id);
    if (!followed) throw new Error("not found");
    const ending = collect(followed);
    await first.shutdown();
    expect((await ending).at(-1)).toEqual({ type: "done", status: "stopped", error: null });
    const stopped = await storedRow(store, assistantMessage.id);
    expect(stopped.status).toBe("stopped");
    expect(stopped.content.length).toBeGreaterThan(0);
    await expect(say(first, store, row, "more")).rejects.toThrow("shutting down");

    // A crash leaves a row generating; the next process fails it at once.
    await store.db
      .updateTable("chat_messages")
      .set({ status: "generating", updated_at: new Date().toISOString() })
      .where("id", "=", assistantMessage.id)
      .execute();
    await replica(store, events);
    expect(await storedRow(store, assistantMessage.id)).toMatchObject({
      status: "failed",
      content: stopped.content,
    });
  });

  it.each(["sqlite", "postgres"] as const)(
    "stores a turn before answering it, though the model is called first (%s)",
    async (kind) => {
      const store = await openDatabase(kind);
      const events = createLocalEventBus();
      cleanups.push(() => events.close());
      const registry = await replica(store, events);
      const row = await conversation(store, "double/test-chat");
      // By the time the turn is answered (before any of the reply can reach anyone), both rows
      // are committed and the reply is the conversation's active leaf.
      const { userMessage, assistantMessage } = await say(registry, store, row, "kept if we crash");
      expect(await storedRow(store, userMessage.id)).toMatchObject({
        role: "user",
        content: "kept if we crash",
      });
      expect(await storedRow(store, assistantMessage.id)).toMatchObject({ parent_id: userMessage.id });
      const stored = await store.db
        .selectFrom("chat_conversations")
        .select("active_leaf_id")
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      expect(stored.active_leaf_id).toBe(assistantMessage.id);
      await expect
        .poll(async () => (await storedRow(store, assistantMessage.id)).content, { timeout: 10_000 })
        .toBe("You said: kept if we crash");

      // Rows that cannot be stored (the conversation is gone): the send fails and leaves nothing.
      const gone = await conversation(store, "double/test-chat");
      await store.db.deleteFrom("chat_conversations").where("id", "=", gone.id).execute();
      await expect(say(registry, store, gone, "lost")).rejects.toThrow();
      const left = await store.db
        .selectFrom("chat_messages")
        .select("id")
        .where("conversation_id", "=", gone.id)
        .execute();
      expect(left).toEqual([]);
    },
  );

  it("reads an allowed page with fetch_page in the tool loop, from the instance's list and the agent's", async () => {
    const page = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<title>Menu</title><p>Soup of the day: leek</p>");
    });
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => page.close(resolve)));
    const host = `127.0.0.1:${(page.address() as AddressInfo).port}`;
    const store = await openDatabase("sqlite");
    const events = createLocalEventBus();
    cleanups.push(() => events.close());
    const agentOffering = async (params: Record<string, unknown>) => {
      const agentId = newId("agent");
      const now = new Date().toISOString();
      const { id: workspaceId } = await getWorkspaceBySlug(store.db, "agentx");
      await store.db
        .insertInto("chat_agents")
        .values({
          id: agentId,
          workspace_id: workspaceId,
          name: "Reader",
          avatar: "",
          description: "",
          system_prompt: "",
          model: "double/test-chat",
          params: JSON.stringify(params),
          opening_message: "",
          suggested_questions: "[]",
          tools: JSON.stringify(["fetch_page"]),
          knowledge_bases: "[]",
          created_at: now,
          updated_at: now,
        })
        .execute();
      const row = await conversation(store, "");
      await store.db
        .updateTable("chat_conversations")
        .set({ agent_id: agentId })
        .where("id", "=", row.id)
        .execute();
      return { ...row, agent_id: agentId };
    };
    const answer = async (registry: GenerationRegistry, row: ConversationRow) => {
      const { assistantMessage } = await say(registry, store, row, `http://${host}/menu`);
      const followed = await registry.follow(assistantMessage.id);
      if (!followed) throw new Error("not found");
      await collect(followed);
      return storedRow(store, assistantMessage.id);
    };

    const instance = await replica(store, events, { fetchAllowedHosts: [host] });
    const fromInstanceList = await answer(instance, await agentOffering({}));
    expect(fromInstanceList.content).toBe(
      `Tool said: Title: Menu\nURL: http://${host}/menu\n\nSoup of the day: leek`,
    );
    const fromAgentList = await answer(instance, await agentOffering({ fetchAllowedHosts: ["127.0.0.1"] }));
    expect(fromAgentList.content).toContain("Soup of the day: leek");

    const closed = await replica(store, events);
    const refused = await answer(closed, await agentOffering({}));
    expect(refused.status).toBe("complete");
    expect(JSON.parse(refused.parts)[1]).toMatchObject({ type: "tool_result", isError: true });
    expect(refused.content).toContain("is not on this agent's allow-list");
  });

  it("fills a gap between the stored snapshot and the events from the row", async () => {
    const store = await openDatabase("sqlite");
    const row = await conversation(store, "double/test-chat");
    const events = createLocalEventBus();
    cleanups.push(() => events.close());
    const registry = await replica(store, events);
    const id = await insertTestMessage(store, {
      id: newId("msg"),
      conversationId: row.id,
      workspaceId: row.workspace_id,
      parentId: null,
      role: "assistant",
      content: "abc",
      createdAt: new Date().toISOString(),
      status: "generating",
    });
    const followed = await registry.follow(id);
    if (!followed) throw new Error("not found");
    expect(followed.snapshot.content).toBe("abc");
    const topic = `chat.message.${id}`;
    // Already in the snapshot, then one ahead of it ("de" was published before the follower listened).
    await events.publish(topic, { type: "delta", offset: 1, text: "bc" });
    await events.publish(topic, { type: "delta", offset: 5, text: "fg" });
    setTimeout(() => {
      void store.db.updateTable("chat_messages").set({ content: "abcdefg" }).where("id", "=", id).execute();
    }, 150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const part = { type: "tool_call", id: "call_1", name: "calculator", arguments: "{}" };
    await store.db
      .updateTable("chat_messages")
      .set({ content: "abcdefgh", parts: JSON.stringify([part]), status: "complete" })
      .where("id", "=", id)
      .execute();
    await events.publish(topic, { type: "done", status: "complete", error: null });
    const received = await collect(followed);
    expect(received).toEqual([
      // The row caught up with the event ahead of it: the gap and the event come as one.
      { type: "delta", offset: 3, text: "defg" },
      { type: "delta", offset: 7, text: "h" },
      { type: "tool", index: 0, part },
      { type: "done", status: "complete", error: null },
    ]);
    expect(await registry.follow("msg_unknown")).toBeUndefined();
  });
});
