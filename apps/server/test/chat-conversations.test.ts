import { getWorkspaceBySlug } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { type Conversation, chatBackends, type Message, setUpChatDataServer } from "./chat-data-helpers.ts";
import { errorOf } from "./test-server.ts";

/**
 * The conversations API (docs/chat-api.md, all but messages and generation): conversations per
 * owner, folders and paging, branches, search. Message trees are written straight into the
 * store, as the generation engine would.
 */
describe.each(chatBackends)("chat conversations API on $store", (backend) => {
  const chat = setUpChatDataServer(backend);
  const { get, send, newConversation, storeMessage } = chat;

  describe("conversations", () => {
    it("creates conversations with a model, or the agent's", async () => {
      const agent = (await (
        await send("POST", "/api/agents", { name: "Coder", model: "agent-model" })
      ).json()) as {
        id: string;
      };
      const withAgent = await newConversation({ agentId: agent.id, title: "Code review" });
      expect(withAgent).toMatchObject({
        agentId: agent.id,
        model: "agent-model",
        title: "Code review",
        folder: null,
        pinned: false,
        activeLeafId: null,
      });
      expect(await newConversation({ agentId: agent.id, model: "override" })).toMatchObject({
        model: "override",
      });

      const noModel = await send("POST", "/api/conversations", {});
      expect(noModel.status).toBe(400);
      expect((await errorOf(noModel)).message).toMatch(/model/);
      const unknownAgent = await send("POST", "/api/conversations", { agentId: "agent_nope" });
      expect(unknownAgent.status).toBe(400);
      expect((await errorOf(unknownAgent)).param).toBe("agentId");
      // An agent of another workspace is as good as unknown.
      expect((await send("POST", "/api/conversations", { agentId: agent.id }, chat.stranger)).status).toBe(
        400,
      );
      expect((await send("POST", "/api/conversations", { model: 42 })).status).toBe(400);
      expect((await send("POST", "/api/conversations", { model: "m", owner: "bob" })).status).toBe(400);

      // Deleting the agent leaves the conversation with its model.
      expect(
        (await chat.server.call(`/api/agents/${agent.id}`, { method: "DELETE", key: chat.alice })).status,
      ).toBe(204);
      const after = await get<{ conversation: Conversation }>(`/api/conversations/${withAgent.id}`);
      expect(after.conversation).toMatchObject({ agentId: null, model: "agent-model" });
    });

    it("lists pinned first, then most recently updated, a page at a time, by folder", async () => {
      const owner = await chat.server.key("agentx", "member");
      const made: string[] = [];
      for (let index = 0; index < 5; index++)
        made.push((await newConversation({ model: "m", title: `c${index}` }, owner)).id);
      const patch = (id: string, body: unknown) => send("PATCH", `/api/conversations/${id}`, body, owner);
      expect((await patch(made[1] ?? "", { pinned: true })).status).toBe(200);
      expect((await patch(made[3] ?? "", { folder: "Work" })).status).toBe(200);
      expect((await patch(made[0] ?? "", { title: "renamed", folder: "Work" })).status).toBe(200);

      const titles: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Conversation[]; nextCursor: string | null } = await get(
          `/api/conversations?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          owner,
        );
        expect(page.data.length).toBeLessThanOrEqual(2);
        titles.push(...page.data.map((conversation) => conversation.title));
        cursor = page.nextCursor;
      } while (cursor);
      expect(titles).toEqual(["c1", "renamed", "c3", "c4", "c2"]);

      const work = await get<{ data: Conversation[] }>("/api/conversations?folder=Work", owner);
      expect(work.data.map((conversation) => conversation.title)).toEqual(["renamed", "c3"]);
      const loose = await get<{ data: Conversation[] }>("/api/conversations?folder=", owner);
      expect(loose.data.map((conversation) => conversation.title)).toEqual(["c1", "c4", "c2"]);
      expect((await patch(made[0] ?? "", { folder: null })).status).toBe(200);
      expect(
        (await get<{ data: Conversation[] }>("/api/conversations?folder=Work", owner)).data,
      ).toHaveLength(1);

      for (const query of [
        "cursor=garbage",
        `cursor=${Buffer.from("[2,1,1]").toString("base64url")}`,
        "limit=0",
        "limit=201",
        "limit=x",
        "sort=asc",
      ]) {
        const response = await chat.server.call(`/api/conversations?${query}`, { key: owner });
        expect(response.status, query).toBe(400);
        await errorOf(response);
      }
    });

    it("hides a conversation from other owners and other workspaces (404)", async () => {
      const mine = await newConversation({ model: "m", title: "private" });
      await storeMessage(mine.id, { id: `${mine.id}_u`, parentId: null, content: "secret plans", at: 1 });
      for (const key of [chat.bob, chat.stranger]) {
        for (const [method, suffix, body] of [
          ["GET", "", undefined],
          ["GET", "/tree", undefined],
          ["GET", "/export?format=json", undefined],
          ["GET", "/export?format=markdown", undefined],
          ["PATCH", "", { title: "mine now" }],
          ["DELETE", "", undefined],
        ] as const) {
          const response = await chat.server.call(`/api/conversations/${mine.id}${suffix}`, {
            method,
            key,
            json: body,
          });
          expect(response.status, `${method} ${suffix}`).toBe(404);
          expect((await errorOf(response)).type).toBe("not_found");
        }
        const listed = await get<{ data: Conversation[] }>("/api/conversations", key);
        expect(listed.data.map((conversation) => conversation.id)).not.toContain(mine.id);
        expect((await get<{ data: unknown[] }>("/api/conversations/search?q=secret", key)).data).toEqual([]);
      }
      expect((await get<{ data: unknown[] }>("/api/conversations/search?q=secret")).data).toHaveLength(1);
      expect(
        (await get<{ conversation: Conversation }>(`/api/conversations/${mine.id}`)).conversation.title,
      ).toBe("private");
    });

    it("shows the active branch with siblings and feedback, and switches branches", async () => {
      const conversation = await newConversation();
      const id = (name: string) => `${conversation.id}_${name}`;
      // u1 ─┬─ a1 ── u2 ── a2
      //     └─ a1b ── u3        (a regenerated answer, continued differently)
      await storeMessage(conversation.id, { id: id("u1"), parentId: null, content: "Hello", at: 1 });
      await storeMessage(conversation.id, {
        id: id("a1"),
        parentId: id("u1"),
        role: "assistant",
        content: "Hi!",
        at: 2,
      });
      await storeMessage(conversation.id, { id: id("u2"), parentId: id("a1"), content: "More", at: 3 });
      await storeMessage(conversation.id, {
        id: id("a2"),
        parentId: id("u2"),
        role: "assistant",
        content: "Sure",
        at: 4,
      });
      await storeMessage(conversation.id, {
        id: id("a1b"),
        parentId: id("u1"),
        role: "assistant",
        content: "Hey!",
        at: 5,
      });
      await storeMessage(conversation.id, {
        id: id("u3"),
        parentId: id("a1b"),
        content: "Other way",
        at: 6,
        parts: '[{"type":"text_file","name":"notes.txt","text":"x"}, {"type":"bogus"}',
      });
      const db = chat.server.nexus.dependencies.store.db;
      const { id: workspaceId } = await getWorkspaceBySlug(db, "agentx");
      const now = new Date().toISOString();
      await db
        .insertInto("chat_feedback")
        .values({
          message_id: id("a1"),
          workspace_id: workspaceId,
          rating: "up",
          comment: "nice",
          created_at: now,
          updated_at: now,
        })
        .execute();

      // No leaf stored yet: the newest continuation is shown.
      let view = await get<{ conversation: Conversation; messages: Message[] }>(
        `/api/conversations/${conversation.id}`,
      );
      expect(view.messages.map((message) => message.id)).toEqual([id("u1"), id("a1b"), id("u3")]);
      // Corrupt parts JSON reads as no parts rather than failing.
      expect(view.messages[2]?.parts).toEqual([]);

      const switched = await send("PATCH", `/api/conversations/${conversation.id}`, {
        activeLeafId: id("a1"),
      });
      expect(switched.status).toBe(200);
      const switchedConversation = (await switched.json()) as Conversation;
      expect(switchedConversation.activeLeafId).toBe(id("a2"));
      // Switching branch does not move the conversation in the list.
      expect(switchedConversation.updatedAt).toBe(conversation.updatedAt);

      view = await get(`/api/conversations/${conversation.id}`);
      expect(view.messages.map((message) => message.id)).toEqual([id("u1"), id("a1"), id("u2"), id("a2")]);
      const [u1, a1] = view.messages;
      expect(u1).toMatchObject({ parentId: null, role: "user", siblings: { ids: [id("u1")], index: 0 } });
      expect(u1).not.toHaveProperty("feedback");
      expect(a1).toMatchObject({
        parentId: id("u1"),
        role: "assistant",
        status: "complete",
        model: "test-chat",
        usage: { promptTokens: 3, completionTokens: 5 },
        siblings: { ids: [id("a1"), id("a1b")], index: 0 },
        feedback: { rating: "up", comment: "nice" },
      });

      await send("PATCH", `/api/conversations/${conversation.id}`, { activeLeafId: id("a1b") });
      view = await get(`/api/conversations/${conversation.id}`);
      expect(view.conversation.activeLeafId).toBe(id("u3"));
      expect(view.messages[1]?.siblings).toEqual({ ids: [id("a1"), id("a1b")], index: 1 });

      const tree = await get<{ messages: Message[] }>(`/api/conversations/${conversation.id}/tree`);
      expect(tree.messages.map((message) => message.id)).toEqual(
        ["u1", "a1", "u2", "a2", "a1b", "u3"].map(id),
      );

      const other = await newConversation();
      await storeMessage(other.id, { id: `${other.id}_x`, parentId: null, content: "elsewhere", at: 1 });
      for (const activeLeafId of ["msg_unknown", `${other.id}_x`]) {
        const response = await send("PATCH", `/api/conversations/${conversation.id}`, { activeLeafId });
        expect(response.status).toBe(400);
        expect((await errorOf(response)).param).toBe("activeLeafId");
      }
      for (const body of [
        { pinned: "yes" },
        { title: 5 },
        { folder: "" },
        { model: "" },
        { activeLeafId: null },
        { owner_id: "x" },
      ]) {
        expect(
          (await send("PATCH", `/api/conversations/${conversation.id}`, body)).status,
          JSON.stringify(body),
        ).toBe(400);
      }
    });

    it("deletes a conversation with its messages", async () => {
      const conversation = await newConversation();
      await storeMessage(conversation.id, {
        id: `${conversation.id}_m`,
        parentId: null,
        content: "ephemeral zebra",
        at: 1,
      });
      expect(
        (
          await chat.server.call(`/api/conversations/${conversation.id}`, {
            method: "DELETE",
            key: chat.alice,
          })
        ).status,
      ).toBe(204);
      expect(
        (await chat.server.call(`/api/conversations/${conversation.id}`, { key: chat.alice })).status,
      ).toBe(404);
      expect(
        (
          await chat.server.call(`/api/conversations/${conversation.id}`, {
            method: "DELETE",
            key: chat.alice,
          })
        ).status,
      ).toBe(404);
      const rows = await chat.server.nexus.dependencies.store.db
        .selectFrom("chat_messages")
        .select("id")
        .where("conversation_id", "=", conversation.id)
        .execute();
      expect(rows).toEqual([]);
      expect((await get<{ data: unknown[] }>("/api/conversations/search?q=zebra")).data).toEqual([]);
    });
  });

  describe("search", () => {
    it("finds messages by words, with snippets, and treats query syntax as text", async () => {
      const conversation = await newConversation({ model: "m", title: "Recipes" });
      await storeMessage(conversation.id, {
        id: `${conversation.id}_q`,
        parentId: null,
        content: "How do I make miso soup?",
        at: 1,
      });
      await storeMessage(conversation.id, {
        id: `${conversation.id}_a`,
        parentId: `${conversation.id}_q`,
        role: "assistant",
        content: `${"Start with dashi. ".repeat(20)}Dissolve the miso paste off the heat. ${"Serve hot. ".repeat(20)}`,
        at: 2,
      });
      const found = await get<{
        data: Array<{ conversation: Conversation; message: { id: string; role: string; snippet: string } }>;
      }>("/api/conversations/search?q=miso%20paste");
      expect(found.data).toHaveLength(1);
      expect(found.data[0]).toMatchObject({
        conversation: { id: conversation.id, title: "Recipes" },
        message: { role: "assistant" },
      });
      expect(found.data[0]?.message.snippet).toContain("Dissolve the miso paste");
      expect(found.data[0]?.message.snippet.length).toBeLessThan(200);

      for (const q of [
        '"',
        'miso"',
        "NEAR(miso soup)",
        "miso*",
        "*",
        "soup OR 1=1",
        "'); drop table chat_messages; --",
        "(",
        "miso:*",
        "!",
        "%",
        "🍜",
      ]) {
        const response = await chat.server.call(`/api/conversations/search?q=${encodeURIComponent(q)}`, {
          key: chat.alice,
        });
        expect(response.status, q).toBe(200);
      }
      expect(
        (await get<{ data: unknown[] }>(`/api/conversations/search?q=${encodeURIComponent("miso*")}`)).data,
      ).toHaveLength(2);
      expect((await chat.server.call("/api/conversations/search", { key: chat.alice })).status).toBe(400);
      expect(
        (await chat.server.call(`/api/conversations/search?q=${"a".repeat(1001)}`, { key: chat.alice }))
          .status,
      ).toBe(400);
      expect(
        (await chat.server.call("/api/conversations/search?q=miso&limit=500", { key: chat.alice })).status,
      ).toBe(400);
    });
  });
});
