import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConversationWithBranch } from "./conversation-messages.ts";
import {
  createConversation,
  deleteConversation,
  listConversations,
  updateConversation,
} from "./conversation-store.ts";
import { insertTestMessage, nexusRejection, openChatTestStore } from "./test-store.ts";

describe.each(["sqlite", "postgres"] as const)("conversations on %s", (kind) => {
  let context: Awaited<ReturnType<typeof openChatTestStore>>;

  beforeAll(async () => {
    context = await openChatTestStore(kind);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("pages through conversations updated in the same millisecond without repeats or gaps", async () => {
    const owner = { workspaceId: context.owner.workspaceId, ownerId: "key_pager" };
    const ids: string[] = [];
    for (let index = 0; index < 7; index++)
      ids.push((await createConversation(context.store.db, owner, { model: "m" })).id);
    // The same updated_at for all: the id breaks the tie.
    await context.store.db
      .updateTable("chat_conversations")
      .set({ updated_at: "2024-01-01T00:00:00.000Z" })
      .where("owner_id", "=", owner.ownerId)
      .execute();
    await updateConversation(context.store.db, owner, ids[2] ?? "", { pinned: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listConversations(context.store.db, owner, {
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.data.map((conversation) => conversation.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    // Pinned first; the rest all share updated_at, so ids (descending) order them.
    const rest = ids
      .filter((id) => id !== ids[2])
      .sort()
      .reverse();
    expect(seen).toEqual([ids[2], ...rest]);
    const all = await listConversations(context.store.db, owner, { limit: 1_000 });
    expect(all.data).toHaveLength(7);
    expect(all.nextCursor).toBeNull();
  });

  it("keeps conversations to their owner and workspace", async () => {
    const { db } = context.store;
    const mine = await createConversation(db, context.owner, { model: "m" });
    for (const other of [context.sameWorkspaceOtherOwner, context.otherWorkspaceOwner]) {
      expect((await nexusRejection(getConversationWithBranch(db, other, mine.id))).status).toBe(404);
      expect((await nexusRejection(updateConversation(db, other, mine.id, { title: "x" }))).status).toBe(404);
      expect((await nexusRejection(deleteConversation(db, other, mine.id))).status).toBe(404);
      expect((await listConversations(db, other)).data.map((conversation) => conversation.id)).not.toContain(
        mine.id,
      );
    }
    expect((await getConversationWithBranch(db, context.owner, mine.id)).conversation.id).toBe(mine.id);
  });

  it("bumps updatedAt on edits but not on branch switches", async () => {
    const { db } = context.store;
    const conversation = await createConversation(db, context.owner, { model: "m", title: " Hello " });
    expect(conversation.title).toBe("Hello");
    const base = { conversationId: conversation.id, workspaceId: context.owner.workspaceId };
    await insertTestMessage(context.store, {
      ...base,
      id: `${conversation.id}_1`,
      parentId: null,
      content: "a",
      createdAt: "2024-01-01T00:00:01.000Z",
    });
    await insertTestMessage(context.store, {
      ...base,
      id: `${conversation.id}_2`,
      parentId: null,
      content: "b",
      createdAt: "2024-01-01T00:00:02.000Z",
    });
    await context.store.db
      .updateTable("chat_conversations")
      .set({ updated_at: "2024-01-01T00:00:00.000Z" })
      .where("id", "=", conversation.id)
      .execute();

    const switched = await updateConversation(db, context.owner, conversation.id, {
      activeLeafId: `${conversation.id}_1`,
    });
    expect(switched).toMatchObject({
      activeLeafId: `${conversation.id}_1`,
      updatedAt: "2024-01-01T00:00:00.000Z",
    });
    const unchanged = await updateConversation(db, context.owner, conversation.id, {});
    expect(unchanged.updatedAt).toBe("2024-01-01T00:00:00.000Z");
    const renamed = await updateConversation(db, context.owner, conversation.id, {
      title: "Renamed",
      model: "n",
    });
    expect(renamed).toMatchObject({ title: "Renamed", model: "n" });
    expect(renamed.updatedAt > "2024-01-01T00:00:00.000Z").toBe(true);
    // Two roots (never made by the API, but possible in an import): each is a branch.
    expect(
      (await getConversationWithBranch(db, context.owner, conversation.id)).messages[0]?.siblings.ids,
    ).toHaveLength(2);
  });

  it("refuses bad input with a 400", async () => {
    const { db } = context.store;
    const conversation = await createConversation(db, context.owner, { model: "m" });
    for (const input of [
      { title: "t".repeat(201) },
      { folder: "" },
      { pinned: 1 },
      { extra: true },
      { model: "" },
    ]) {
      const error = await nexusRejection(
        updateConversation(db, context.owner, conversation.id, input as never),
      );
      expect(error.status, JSON.stringify(input)).toBe(400);
    }
    expect((await nexusRejection(createConversation(db, context.owner, {}))).param).toBe("model");
    expect((await nexusRejection(listConversations(db, context.owner, { cursor: "%%%" }))).param).toBe(
      "cursor",
    );
  });
});
