import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nexusRejection, openChatTestStore } from "../conversations/test-store.ts";
import {
  createAgent,
  deleteAgent,
  exportAgent,
  getAgent,
  importAgent,
  listAgents,
  replaceAgent,
} from "./agent-store.ts";

describe("agents", () => {
  let context: Awaited<ReturnType<typeof openChatTestStore>>;
  let workspaceId: string;
  let otherWorkspaceId: string;

  beforeAll(async () => {
    context = await openChatTestStore("sqlite");
    workspaceId = context.owner.workspaceId;
    otherWorkspaceId = context.otherWorkspaceOwner.workspaceId;
  });
  afterAll(async () => {
    await context?.close();
  });

  it("creates with defaults, lists by name, replaces and deletes within the workspace", async () => {
    const zed = await createAgent(context.store.db, workspaceId, { name: "  Zed  ", model: "m" });
    expect(zed).toMatchObject({
      name: "Zed",
      avatar: "",
      params: {},
      tools: [],
      suggestedQuestions: [],
      knowledgeBases: [],
    });
    const ada = await createAgent(context.store.db, workspaceId, {
      name: "Ada",
      model: "m",
      tools: ["fetch_page"],
    });
    expect((await listAgents(context.store.db, workspaceId)).map((agent) => agent.name)).toEqual([
      "Ada",
      "Zed",
    ]);
    expect(await listAgents(context.store.db, otherWorkspaceId)).toEqual([]);

    const replaced = await replaceAgent(context.store.db, workspaceId, ada.id, { name: "Ada 2", model: "n" });
    expect(replaced).toMatchObject({ id: ada.id, name: "Ada 2", model: "n", tools: [] });
    expect(
      (
        await nexusRejection(
          replaceAgent(context.store.db, otherWorkspaceId, ada.id, { name: "x", model: "y" }),
        )
      ).status,
    ).toBe(404);
    expect((await nexusRejection(getAgent(context.store.db, otherWorkspaceId, ada.id))).status).toBe(404);
    expect((await nexusRejection(deleteAgent(context.store.db, otherWorkspaceId, ada.id))).status).toBe(404);
    await deleteAgent(context.store.db, workspaceId, ada.id);
    expect((await nexusRejection(getAgent(context.store.db, workspaceId, ada.id))).type).toBe("not_found");
  });

  it("validates names, models, tools and parameter ranges", async () => {
    for (const input of [
      { name: "", model: "m" },
      { name: "   ", model: "m" },
      { name: "n".repeat(101), model: "m" },
      { name: "A", model: " " },
      { name: "A", model: "m", tools: ["rm_rf"] },
      { name: "A", model: "m", params: { temperature: -1 } },
      { name: "A", model: "m", params: { top_p: 2 } },
      { name: "A", model: "m", params: { max_tokens: 0 } },
      { name: "A", model: "m", params: { seed: 0.5 } },
      { name: "A", model: "m", suggestedQuestions: [""] },
      { name: "A", model: "m", unknown: 1 },
      "not an object",
      null,
    ]) {
      const error = await nexusRejection(createAgent(context.store.db, workspaceId, input));
      expect(error.status, JSON.stringify(input)).toBe(400);
      expect(error.message).toMatch(/^Invalid agent/);
    }
    const limits = await createAgent(context.store.db, workspaceId, {
      name: "n".repeat(100),
      model: "m",
      params: { temperature: 2, top_p: 0, max_tokens: 1, seed: -5 },
      tools: ["calculator", "current_time", "fetch_page"],
    });
    expect(limits.params).toEqual({ temperature: 2, top_p: 0, max_tokens: 1, seed: -5 });
  });

  it("exports without id and times and imports as a new agent; strict about the file", async () => {
    const agent = await createAgent(context.store.db, workspaceId, {
      name: "Tutor",
      avatar: "https://example.test/a.png",
      model: "m",
      suggestedQuestions: ["Why?"],
    });
    const file = await exportAgent(context.store.db, workspaceId, agent.id);
    expect(Object.keys(file)).toEqual(["nexusAgent", "agent"]);
    expect(file.agent).not.toHaveProperty("id");
    const copy = await importAgent(context.store.db, otherWorkspaceId, JSON.parse(JSON.stringify(file)));
    expect(copy.id).not.toBe(agent.id);
    expect(copy).toMatchObject({
      name: "Tutor",
      avatar: "https://example.test/a.png",
      suggestedQuestions: ["Why?"],
    });

    const foreign = await nexusRejection(
      importAgent(context.store.db, workspaceId, { ...file, agent: { ...file.agent, meta: {} } }),
    );
    expect(foreign.message).toContain('Unrecognized key: "meta"');
    expect(
      (await nexusRejection(importAgent(context.store.db, workspaceId, { agent: file.agent }))).message,
    ).toContain("nexusAgent");
  });

  it("reads hand-broken JSON columns as empty", async () => {
    const agent = await createAgent(context.store.db, workspaceId, { name: "Broken", model: "m" });
    await context.store.db
      .updateTable("chat_agents")
      .set({
        params: "{",
        tools: '["calculator","shell"]',
        suggested_questions: "7",
        knowledge_bases: '["kb", 3]',
      })
      .where("id", "=", agent.id)
      .execute();
    expect(await getAgent(context.store.db, workspaceId, agent.id)).toMatchObject({
      params: {},
      tools: [],
      suggestedQuestions: [],
      knowledgeBases: ["kb"],
    });
  });
});
