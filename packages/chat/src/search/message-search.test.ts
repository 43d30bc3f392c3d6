import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation, deleteConversation } from "../conversations/conversation-store.ts";
import { insertTestMessage, openChatTestStore } from "../conversations/test-store.ts";
import { searchMessages } from "./message-search.ts";

describe.each(["sqlite", "postgres"] as const)("message search on %s", (kind) => {
  let context: Awaited<ReturnType<typeof openChatTestStore>>;
  let conversationId: string;

  beforeAll(async () => {
    context = await openChatTestStore(kind);
    const { store, owner } = context;
    conversationId = (await createConversation(store.db, owner, { model: "m", title: "Trip" })).id;
    const at = (second: number) => `2024-05-01T10:00:${String(second).padStart(2, "0")}.000Z`;
    const base = { conversationId, workspaceId: owner.workspaceId };
    await insertTestMessage(store, {
      ...base,
      id: "msg_q",
      parentId: null,
      content: "How far is Kyoto from Osaka?",
      createdAt: at(1),
    });
    await insertTestMessage(store, {
      ...base,
      id: "msg_a",
      parentId: "msg_q",
      role: "assistant",
      content: `${"Some context. ".repeat(30)}Kyoto and Osaka are about 50 km apart by Shinkansen. ${"Tail. ".repeat(30)}`,
      createdAt: at(2),
    });
    // Another owner in the workspace, and the same key id in another workspace.
    for (const other of [context.sameWorkspaceOtherOwner, context.otherWorkspaceOwner]) {
      const theirs = await createConversation(store.db, other, { model: "m" });
      await insertTestMessage(store, {
        id: `msg_${other.workspaceId}_${other.ownerId}`,
        conversationId: theirs.id,
        workspaceId: other.workspaceId,
        parentId: null,
        content: "Kyoto secrets of someone else",
        createdAt: at(3),
      });
    }
  });
  afterAll(async () => {
    await context?.close();
  });

  it("finds the owner's messages only, with a snippet around the match", async () => {
    const hits = await searchMessages(context.store, context.owner, "kyoto osaka");
    expect(hits.map((hit) => hit.message.id).sort()).toEqual(["msg_a", "msg_q"]);
    const answer = hits.find((hit) => hit.message.id === "msg_a");
    expect(answer?.conversation).toMatchObject({ id: conversationId, title: "Trip" });
    expect(answer?.message.role).toBe("assistant");
    expect(answer?.message.snippet).toContain("Kyoto and Osaka are about 50 km");
    expect(answer?.message.snippet.startsWith("…")).toBe(true);
  });

  it("matches the last word as a prefix and ignores case and accents' absence", async () => {
    expect(
      (await searchMessages(context.store, context.owner, "SHINKAN")).map((hit) => hit.message.id),
    ).toEqual(["msg_a"]);
  });

  it("never errors on hostile queries", async () => {
    for (const query of [
      '"',
      '"""',
      "NEAR(kyoto osaka, 2)",
      "kyoto*",
      "kyoto OR 1=1",
      "'; drop table chat_messages; --",
      "content:kyoto",
      "^kyoto",
      "kyoto AND NOT",
      "(((",
      "!kyoto & | <->",
      "\\",
      "*",
      "",
      "   ",
      "🙂",
      "a".repeat(10_000),
    ]) {
      const hits = await searchMessages(context.store, context.owner, query);
      expect(Array.isArray(hits)).toBe(true);
      for (const hit of hits) expect(hit.conversation.id).toBe(conversationId);
    }
    expect(
      (await searchMessages(context.store, context.owner, "'; drop table chat_messages; --")).length,
    ).toBe(0);
    expect((await searchMessages(context.store, context.owner, "kyoto*")).length).toBe(2);
    expect((await searchMessages(context.store, context.owner, "*")).length).toBe(0);
  });

  it("follows content updates (as generation writes them) and deletes", async () => {
    const { store, owner } = context;
    await insertTestMessage(store, {
      id: "msg_gen",
      conversationId,
      workspaceId: owner.workspaceId,
      parentId: "msg_a",
      role: "assistant",
      content: "",
      createdAt: "2024-05-01T10:01:00.000Z",
    });
    for (const content of ["Nara", "Nara has deer", "Nara has deer and temples"]) {
      await store.db.updateTable("chat_messages").set({ content }).where("id", "=", "msg_gen").execute();
    }
    await store.db
      .updateTable("chat_messages")
      .set({ status: "stopped" })
      .where("id", "=", "msg_gen")
      .execute();
    expect((await searchMessages(context.store, owner, "temples")).map((hit) => hit.message.id)).toEqual([
      "msg_gen",
    ]);
    await store.db
      .updateTable("chat_messages")
      .set({ content: "Rewritten" })
      .where("id", "=", "msg_gen")
      .execute();
    expect(await searchMessages(context.store, owner, "temples")).toEqual([]);
    expect((await searchMessages(context.store, owner, "rewritten")).length).toBe(1);
    await store.db.deleteFrom("chat_messages").where("id", "=", "msg_gen").execute();
    expect(await searchMessages(context.store, owner, "rewritten")).toEqual([]);
  });

  it("forgets the messages of a deleted conversation", async () => {
    await deleteConversation(context.store.db, context.owner, conversationId);
    expect(await searchMessages(context.store, context.owner, "kyoto")).toEqual([]);
    const index = kind === "sqlite" ? sql.raw("chat_messages_fts") : sql.raw("chat_message_search");
    const { rows } = await sql<{ count: number }>`select count(*) as count from ${index}`.execute(
      context.store.db,
    );
    // Only the two other owners' messages remain indexed.
    expect(Number(rows[0]?.count)).toBe(2);
  });
});
