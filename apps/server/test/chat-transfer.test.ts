import { describe, expect, it } from "vitest";
import {
  type Conversation,
  chatBackends,
  chatgptFixture,
  type Message,
  setUpChatDataServer,
} from "./chat-data-helpers.ts";
import { errorOf } from "./test-server.ts";

/** Conversation export (Markdown, JSON) and import (ours, ChatGPT's), and bad input, per store. */
describe.each(chatBackends)("chat export and import API on $store", (backend) => {
  const chat = setUpChatDataServer(backend);
  const { get, send, newConversation, storeMessage } = chat;

  describe("export and import", () => {
    async function conversationWithBranches(): Promise<Conversation> {
      const conversation = await newConversation({ model: "test-chat", title: "Maths: 2 + 2" });
      const id = (name: string) => `${conversation.id}_${name}`;
      await storeMessage(conversation.id, {
        id: id("u1"),
        parentId: null,
        content: "What is 2 + 2? See the attachment.",
        at: 1,
        parts: JSON.stringify([
          { type: "text_file", name: "question.txt", text: "2 + 2" },
          { type: "image", name: "sum.png", dataUrl: "data:image/png;base64,iVBORw0KGgo=" },
        ]),
      });
      await storeMessage(conversation.id, {
        id: id("a1"),
        parentId: id("u1"),
        role: "assistant",
        content: "It is 4.",
        at: 2,
        parts: JSON.stringify([
          { type: "tool_call", id: "call_1", name: "calculator", arguments: '{"expression":"2+2"}' },
          { type: "tool_result", toolCallId: "call_1", name: "calculator", content: "4" },
        ]),
      });
      await storeMessage(conversation.id, {
        id: id("a1b"),
        parentId: id("u1"),
        role: "assistant",
        content: "Four.",
        at: 3,
      });
      await storeMessage(conversation.id, {
        id: id("u2"),
        parentId: id("a1"),
        content: "And ```3 + 3```?",
        at: 4,
      });
      await send("PATCH", `/api/conversations/${conversation.id}`, {
        activeLeafId: id("u2"),
        folder: "Maths",
        pinned: true,
      });
      return conversation;
    }

    /** A tree with ids replaced by positions, for comparing copies. */
    function shape(file: { conversation: Conversation; messages: Message[] }) {
      const index = new Map(file.messages.map((message, position) => [message.id, position]));
      return {
        conversation: {
          title: file.conversation.title,
          model: file.conversation.model,
          folder: file.conversation.folder,
          pinned: file.conversation.pinned,
          activeLeaf: index.get(file.conversation.activeLeafId ?? ""),
        },
        messages: file.messages.map((message) => ({
          parent: message.parentId === null ? null : index.get(message.parentId),
          role: message.role,
          content: message.content,
          parts: message.parts,
          status: message.status,
          siblings: message.siblings.ids.map((sibling) => index.get(sibling)),
        })),
      };
    }

    it("exports Markdown of the branch on screen", async () => {
      const conversation = await conversationWithBranches();
      const response = await chat.server.call(
        `/api/conversations/${conversation.id}/export?format=markdown`,
        {
          key: chat.alice,
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/markdown/);
      expect(response.headers.get("content-disposition")).toBe('attachment; filename="Maths-2-2.md"');
      const markdown = await response.text();
      expect(markdown).toContain("# Maths: 2 + 2");
      expect(markdown).toContain("## User");
      expect(markdown).toContain("## Assistant (test-chat, version 1 of 2)");
      expect(markdown).toContain("Attachments: file `question.txt`, image `sum.png`");
      expect(markdown).not.toContain("iVBORw0KGgo");
      expect(markdown).toContain("**Tool call** `calculator`");
      expect(markdown).toContain('{"expression":"2+2"}');
      expect(markdown).toContain("**Tool result** `calculator`");
      expect(markdown).toContain("And ```3 + 3```?");
      // The other branch is not in the Markdown.
      expect(markdown).not.toContain("Four.");
      expect(
        (
          await chat.server.call(`/api/conversations/${conversation.id}/export?format=pdf`, {
            key: chat.alice,
          })
        ).status,
      ).toBe(400);
    });

    it("round-trips the JSON export: import, export, import gives the same tree", async () => {
      const conversation = await conversationWithBranches();
      const first = (await get(`/api/conversations/${conversation.id}/export?format=json`)) as {
        nexusConversation: number;
        conversation: Conversation;
        messages: Message[];
      };
      expect(first.nexusConversation).toBe(1);
      expect(first.messages).toHaveLength(4);

      const imported = await send("POST", "/api/conversations/import", first, chat.bob);
      expect(imported.status).toBe(201);
      const [copy] = ((await imported.json()) as { data: Conversation[] }).data;
      expect(copy?.id).not.toBe(conversation.id);
      const second = (await get(
        `/api/conversations/${copy?.id}/export?format=json`,
        chat.bob,
      )) as typeof first;
      const firstIds = new Set(first.messages.map((message) => message.id));
      expect(second.messages.filter((message) => firstIds.has(message.id))).toEqual([]);
      expect(shape(second)).toEqual(shape(first));

      const again = await send("POST", "/api/conversations/import", second, chat.bob);
      const [third] = ((await again.json()) as { data: Conversation[] }).data;
      const thirdFile = (await get(
        `/api/conversations/${third?.id}/export?format=json`,
        chat.bob,
      )) as typeof first;
      expect(shape(thirdFile)).toEqual(shape(first));
      // The imported conversation is searchable.
      expect(
        (await get<{ data: unknown[] }>("/api/conversations/search?q=attachment", chat.bob)).data.length,
      ).toBeGreaterThanOrEqual(2);
    });

    it("imports ChatGPT's conversations.json with its branches, leaving out hidden and tool messages", async () => {
      const owner = await chat.server.key("agentx", "member");
      const response = await send("POST", "/api/conversations/import", chatgptFixture, owner);
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as { data: Conversation[] };
      expect(data.map((conversation) => conversation.title)).toEqual([
        "Trip to Kyoto",
        "Python list comprehension",
      ]);
      expect(data[0]).toMatchObject({
        model: "gpt-4o",
        createdAt: "2024-05-01T10:00:00.000Z",
        updatedAt: "2024-05-01T10:10:00.000Z",
      });

      const trip = await get<{ conversation: Conversation; messages: Message[] }>(
        `/api/conversations/${data[0]?.id}`,
        owner,
      );
      expect(trip.messages.map((message) => [message.role, message.content])).toEqual([
        ["user", "How far is Kyoto from Osaka?"],
        ["assistant", "About 50 km; the Shinkansen takes 15 minutes."],
        ["user", "What does this sign say?\n\n[image]"],
        ["assistant", 'It says **"Kyoto Station, Hachijo exit"**.'],
      ]);
      expect(trip.messages[0]?.siblings.ids).toHaveLength(2);
      expect(trip.messages[1]?.siblings.ids).toHaveLength(2);
      expect(trip.messages[0]?.createdAt).toBe("2024-05-01T10:00:10.000Z");

      const tree = await get<{ messages: Message[] }>(`/api/conversations/${data[0]?.id}/tree`, owner);
      expect(tree.messages.map((message) => message.content)).toEqual([
        "How far is Kyoto from Osaka?",
        "About 50 km; the Shinkansen takes 15 minutes.",
        "Roughly 45 to 55 km, depending on the route.",
        "What does this sign say?\n\n[image]",
        'It says **"Kyoto Station, Hachijo exit"**.',
        "How far is Kyoto from Tokyo?",
        "About 450 km; the Nozomi takes 2 hours 15 minutes.",
      ]);
      expect(tree.messages.every((message) => message.role === "user" || message.role === "assistant")).toBe(
        true,
      );

      // The other branch is one switch away.
      const tokyo = tree.messages.find((message) => message.content.includes("Tokyo?"));
      const switched = (await (
        await send("PATCH", `/api/conversations/${data[0]?.id}`, { activeLeafId: tokyo?.id }, owner)
      ).json()) as Conversation;
      expect(switched.activeLeafId).toBe(tree.messages.at(-1)?.id);

      const python = await get<{ messages: Message[] }>(`/api/conversations/${data[1]?.id}`, owner);
      expect(python.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
      expect(python.messages[1]?.content).toContain("[n * n for n in range(1, 6)]");
      // A single conversation cut out of the array imports too.
      expect((await send("POST", "/api/conversations/import", chatgptFixture[1], owner)).status).toBe(201);
    });

    it("refuses broken files with a 400 and imports nothing from them", async () => {
      const owner = await chat.server.key("agentx", "member");
      const conversation = await conversationWithBranches();
      const good = (await get(`/api/conversations/${conversation.id}/export?format=json`)) as {
        conversation: Conversation;
        messages: Message[];
      };
      const [first, second] = good.messages;
      const cyclic = {
        ...good,
        messages: [
          { ...first, parentId: second?.id },
          { ...second, parentId: first?.id },
          ...good.messages.slice(2),
        ],
      };
      const trip = chatgptFixture[0] as { mapping: Record<string, { parent: string | null }> };
      const chatgptCycle = structuredClone(trip);
      chatgptCycle.mapping["client-created-root"] = {
        ...chatgptCycle.mapping["client-created-root"],
        parent: "a-3",
      };
      const chatgptDangling = structuredClone(trip);
      chatgptDangling.mapping["u-2"] = { ...chatgptDangling.mapping["u-2"], parent: "gone" };
      const cases: Array<[unknown, RegExp]> = [
        [cyclic, /loop/],
        [{ ...good, messages: [{ ...first, parentId: "msg_gone" }] }, /not in the file/],
        [{ ...good, messages: [first, first] }, /repeats/],
        [{ ...good, conversation: { ...good.conversation, activeLeafId: "msg_gone" } }, /activeLeafId/],
        [{ ...good, messages: [{ ...first, role: "wizard" }] }, /role/],
        [{ ...good, messages: [{ ...first, createdAt: "yesterday" }] }, /createdAt/],
        [{ ...good, messages: [{ ...first, parts: [{ type: "video" }] }] }, /parts/],
        [{ ...good, nexusConversation: 2 }, /nexusConversation/],
        [[chatgptFixture[1], chatgptCycle], /loop/],
        [[chatgptFixture[1], chatgptDangling], /gone/],
        [[chatgptFixture[1], { title: "no mapping" }], /mapping/],
        [[{ mapping: { a: { message: { author: { role: 7 } } } } }], /role/],
        [[], /no conversations/],
        [{}, /Not a conversation file/],
        ["just text", /Not a conversation file/],
        [42, /Not a conversation file/],
        [null, /Not a conversation file/],
      ];
      for (const [body, message] of cases) {
        const response = await send("POST", "/api/conversations/import", body, owner);
        expect(response.status, JSON.stringify(body).slice(0, 200)).toBe(400);
        expect((await errorOf(response)).message).toMatch(message);
      }
      // All or nothing: the valid first conversation of each broken ChatGPT file was not kept.
      expect((await get<{ data: unknown[] }>("/api/conversations", owner)).data).toEqual([]);
    });

    it("answers malformed JSON, oversized bodies and unknown ids with clear errors", async () => {
      const malformed = await chat.server.call("/api/conversations/import", {
        method: "POST",
        key: chat.alice,
        headers: { "content-type": "application/json" },
        body: '{"nexusConversation": 1, "conversation": ',
      });
      expect(malformed.status).toBe(400);
      expect((await errorOf(malformed)).message).toMatch(/JSON/);

      // Ordinary chat bodies keep the server's limit; imports take up to 20 MB.
      const large = await send("POST", "/api/conversations", { model: "m", title: "x".repeat(100_000) });
      expect(large.status).toBe(413);
      const bigImport = await send("POST", "/api/conversations/import", {
        nexusConversation: 1,
        padding: "x".repeat(1_000_000),
      });
      expect(bigImport.status).toBe(400);
      const huge = await chat.server.call("/api/conversations/import", {
        method: "POST",
        key: chat.alice,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ padding: "x".repeat(21 * 1024 * 1024) }),
      });
      expect(huge.status).toBe(413);
      await errorOf(huge);

      for (const pathname of [
        "/api/conversations/conv_nope",
        "/api/conversations/conv_nope/tree",
        "/api/conversations/conv_nope/export",
        "/api/agents/agent_nope",
        "/api/agents/agent_nope/export",
      ]) {
        const response = await chat.server.call(pathname, { key: chat.alice });
        expect(response.status, pathname).toBe(404);
        expect((await errorOf(response)).type).toBe("not_found");
      }
      // Fastify refuses over-long path parameters before routing.
      expect(
        (await chat.server.call(`/api/conversations/${"x".repeat(200)}`, { key: chat.alice })).status,
      ).toBe(414);
      expect((await chat.server.call("/api/conversations")).status).toBe(401);

      // NUL characters (PostgreSQL text cannot hold them) are a 400 on both stores, and dropped on import.
      const nul = String.fromCharCode(0);
      const nulCursor = Buffer.from(JSON.stringify([0, `2024${nul}`, "x"])).toString("base64url");
      for (const response of [
        await send("POST", "/api/conversations", { model: `m${nul}` }),
        await send("POST", "/api/agents", { name: `A${nul}`, model: "m" }),
        await chat.server.call("/api/conversations/%00", { key: chat.alice }),
        await chat.server.call("/api/agents/%00", { key: chat.alice }),
        await chat.server.call("/api/conversations?folder=%00", { key: chat.alice }),
        await chat.server.call(`/api/conversations?cursor=${nulCursor}`, { key: chat.alice }),
      ]) {
        expect(response.status).toBe(400);
        expect((await errorOf(response)).message).toMatch(/NUL|cursor/);
      }
      expect((await chat.server.call("/api/conversations/search?q=%00", { key: chat.alice })).status).toBe(
        200,
      );
      const withNul = structuredClone(chatgptFixture[1]) as { title: string };
      withNul.title = `Null${nul}byte`;
      const imported = await send("POST", "/api/conversations/import", [withNul]);
      expect(imported.status).toBe(201);
      expect(((await imported.json()) as { data: Conversation[] }).data[0]?.title).toBe("Nullbyte");
      // The chat.server is still fine.
      expect((await chat.server.call("/api/conversations", { key: chat.alice })).status).toBe(200);
    });
  });
});
