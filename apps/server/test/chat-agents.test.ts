import { loadGenerationSettings } from "@nexus/chat";
import { describe, expect, it } from "vitest";
import { chatBackends, setUpChatDataServer } from "./chat-data-helpers.ts";
import { errorOf } from "./test-server.ts";

/** The agents API (docs/chat-api.md): CRUD per workspace, validation, export and import. */
describe.each(chatBackends)("chat agents API on $store", (backend) => {
  const chat = setUpChatDataServer(backend);
  const { get, send } = chat;

  it("lists the chat data routes in the OpenAPI document", async () => {
    const document = (await (await chat.server.call("/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    for (const [route, method] of [
      ["/api/agents", "post"],
      ["/api/agents/{id}/export", "get"],
      ["/api/agents/import", "post"],
      ["/api/conversations", "get"],
      ["/api/conversations/{id}", "patch"],
      ["/api/conversations/{id}/tree", "get"],
      ["/api/conversations/search", "get"],
      ["/api/conversations/{id}/export", "get"],
      ["/api/conversations/import", "post"],
    ] as const) {
      expect(document.paths[route]?.[method]?.tags, `${method} ${route}`).toEqual(["chat"]);
    }
  });

  describe("agents", () => {
    it("creates, reads, lists, replaces and deletes agents of the workspace", async () => {
      const created = await send("POST", "/api/agents", {
        name: "Travel guide",
        avatar: "🧭",
        model: "test-chat",
        systemPrompt: "You plan trips.",
        params: { temperature: 0.4, max_tokens: 512 },
        suggestedQuestions: ["Where to go in May?"],
        tools: ["current_time", "calculator"],
      });
      expect(created.status).toBe(201);
      const agent = (await created.json()) as {
        id: string;
        tools: string[];
        params: object;
        description: string;
      };
      expect(agent).toMatchObject({
        tools: ["current_time", "calculator"],
        params: { temperature: 0.4, max_tokens: 512 },
        description: "",
      });

      expect(await get(`/api/agents/${agent.id}`, chat.bob)).toMatchObject({
        name: "Travel guide",
        avatar: "🧭",
      });
      const listed = await get<{ data: Array<{ id: string }> }>("/api/agents");
      expect(listed.data.map((item) => item.id)).toContain(agent.id);

      const replaced = await send("PUT", `/api/agents/${agent.id}`, { name: "Guide", model: "other-model" });
      expect(replaced.status).toBe(200);
      expect(await replaced.json()).toMatchObject({
        name: "Guide",
        model: "other-model",
        tools: [],
        params: {},
      });

      // Another workspace sees none of it.
      expect((await chat.server.call(`/api/agents/${agent.id}`, { key: chat.stranger })).status).toBe(404);
      expect(
        (await send("PUT", `/api/agents/${agent.id}`, { name: "x", model: "y" }, chat.stranger)).status,
      ).toBe(404);
      expect(
        (await chat.server.call(`/api/agents/${agent.id}`, { method: "DELETE", key: chat.stranger })).status,
      ).toBe(404);
      expect((await get<{ data: unknown[] }>("/api/agents", chat.stranger)).data).toEqual([]);

      expect(
        (await chat.server.call(`/api/agents/${agent.id}`, { method: "DELETE", key: chat.alice })).status,
      ).toBe(204);
      expect((await chat.server.call(`/api/agents/${agent.id}`, { key: chat.alice })).status).toBe(404);
    });

    it("keeps an agent's own fetch allow-list, which its replies' fetch_page then uses", async () => {
      const created = await send("POST", "/api/agents", {
        name: "Reader",
        model: "test-chat",
        params: { temperature: 0.2 },
        tools: ["fetch_page"],
        fetchAllowedHosts: ["Docs.Example.com", "*.example.org", "127.0.0.1:8080"],
      });
      expect(created.status).toBe(201);
      const agent = (await created.json()) as { id: string };
      expect(await get(`/api/agents/${agent.id}`)).toMatchObject({
        params: { temperature: 0.2 },
        fetchAllowedHosts: ["docs.example.com", "*.example.org", "127.0.0.1:8080"],
      });
      const conversation = await send("POST", "/api/conversations", { agentId: agent.id });
      const { id: conversationId } = (await conversation.json()) as { id: string };
      const row = await chat.server.nexus.dependencies.store.db
        .selectFrom("chat_conversations")
        .selectAll()
        .where("id", "=", conversationId)
        .executeTakeFirstOrThrow();
      const settings = await loadGenerationSettings(chat.server.nexus.dependencies.store.db, row);
      expect(settings.fetchAllowedHosts).toEqual(["docs.example.com", "*.example.org", "127.0.0.1:8080"]);
      expect(settings.params).toEqual({ temperature: 0.2 });

      for (const hosts of [["http://example.com"], ["exa mple.com"], Array(51).fill("example.com"), "x"]) {
        const bad = await send("POST", "/api/agents", { name: "R", model: "m", fetchAllowedHosts: hosts });
        expect(bad.status, JSON.stringify(hosts).slice(0, 40)).toBe(400);
        expect((await errorOf(bad)).message).toMatch(/fetchAllowedHosts/);
      }
    });

    it("rejects invalid agents with a 400 naming the field", async () => {
      const cases: Array<[unknown, string]> = [
        [{ model: "m" }, "name"],
        [{ name: "", model: "m" }, "name"],
        [{ name: "x".repeat(101), model: "m" }, "name"],
        [{ name: "A" }, "model"],
        [{ name: "A", model: "m", tools: ["shell"] }, "tools"],
        [{ name: "A", model: "m", tools: ["calculator", "calculator"] }, "tools"],
        [{ name: "A", model: "m", params: { temperature: 3 } }, "params"],
        [{ name: "A", model: "m", params: { top_p: -0.1 } }, "params"],
        [{ name: "A", model: "m", params: { max_tokens: 1.5 } }, "params"],
        [{ name: "A", model: "m", params: { stream: true } }, "params"],
        [{ name: "A", model: "m", avatar: "javascript:alert(1)" }, "avatar"],
        [{ name: "A", model: "m", colour: "red" }, "colour"],
        [{ name: 5, model: "m" }, "name"],
      ];
      for (const [body, field] of cases) {
        const response = await send("POST", "/api/agents", body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((await errorOf(response)).message).toContain(field);
      }
    });

    it("exports an agent and imports it as a new one; foreign files are refused", async () => {
      const agent = (await (
        await send("POST", "/api/agents", {
          name: "Tutor",
          model: "test-chat",
          tools: ["calculator"],
          openingMessage: "Hi!",
        })
      ).json()) as { id: string };
      const exported = await chat.server.call(`/api/agents/${agent.id}/export`, { key: chat.alice });
      expect(exported.headers.get("content-disposition")).toContain("Tutor.agent.json");
      const file = (await exported.json()) as { nexusAgent: number; agent: Record<string, unknown> };
      expect(file.nexusAgent).toBe(1);
      expect(file.agent).not.toHaveProperty("id");
      expect(file.agent).not.toHaveProperty("createdAt");

      const imported = await send("POST", "/api/agents/import", file, chat.stranger);
      expect(imported.status).toBe(201);
      const copy = (await imported.json()) as {
        id: string;
        name: string;
        tools: string[];
        openingMessage: string;
      };
      expect(copy.id).not.toBe(agent.id);
      expect(copy).toMatchObject({ name: "Tutor", tools: ["calculator"], openingMessage: "Hi!" });

      for (const [body, words] of [
        [{ ...file, nexusAgent: 2 }, "nexusAgent"],
        [{ ...file, agent: { ...file.agent, id: "agent_x" } }, "id"],
        [{ ...file, agent: { ...file.agent, plugins: [] } }, "plugins"],
        [{ ...file, extra: true }, "extra"],
        [{ identifier: "lobe-agent", meta: {}, config: {} }, "nexusAgent"],
        [{ nexusAgent: 1 }, "agent"],
      ] as const) {
        const response = await send("POST", "/api/agents/import", body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((await errorOf(response)).message).toContain(words);
      }
    });
  });
});
