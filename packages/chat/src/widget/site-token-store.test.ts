import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, deleteAgent } from "../agents/agent-store.ts";
import { nexusRejection, openChatTestStore } from "../conversations/test-store.ts";
import {
  createSiteToken,
  findActiveSiteToken,
  hashSiteToken,
  listSiteTokens,
  revokeSiteToken,
} from "./site-token-store.ts";

describe.each(["sqlite", "postgres"] as const)("site tokens on %s", (kind) => {
  let context: Awaited<ReturnType<typeof openChatTestStore>>;
  let workspaceId: string;
  let otherWorkspaceId: string;
  let agentId: string;

  beforeAll(async () => {
    context = await openChatTestStore(kind);
    workspaceId = context.owner.workspaceId;
    otherWorkspaceId = context.otherWorkspaceOwner.workspaceId;
    agentId = (await createAgent(context.store.db, workspaceId, { name: "Helper", model: "m" })).id;
  });
  afterAll(async () => {
    await context?.close();
  });

  const db = () => context.store.db;

  it("creates a token shown once, stores only its hash, and finds it by the token", async () => {
    const { token, info } = await createSiteToken(db(), workspaceId, {
      agentId,
      allowedOrigins: ["https://Shop.example"],
      theme: { primaryColor: "#6d28d9", title: "Ask us", position: "left" },
    });
    expect(token).toMatch(/^nxw_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({
      agentId,
      name: "Helper widget",
      tokenPrefix: token.slice(0, 12),
      allowedOrigins: ["https://shop.example"],
      requestsPerMinute: 60,
      visitorRequestsPerMinute: 20,
      theme: { primaryColor: "#6d28d9", title: "Ask us", position: "left" },
      revokedAt: null,
    });
    const row = await db()
      .selectFrom("chat_site_tokens")
      .selectAll()
      .where("id", "=", info.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSiteToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(await findActiveSiteToken(db(), token)).toEqual({ ...info, workspaceId });
    const altered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(await findActiveSiteToken(db(), altered)).toBeUndefined();
    expect(await findActiveSiteToken(db(), "not a token")).toBeUndefined();
  });

  it("lists the workspace's tokens; a revoked one is listed only when asked and is no longer found", async () => {
    const { token, info } = await createSiteToken(db(), workspaceId, { agentId, name: "Docs site" });
    expect((await listSiteTokens(db(), workspaceId)).map((item) => item.id)).toContain(info.id);
    expect(await listSiteTokens(db(), otherWorkspaceId)).toEqual([]);
    expect((await nexusRejection(revokeSiteToken(db(), otherWorkspaceId, info.id))).status).toBe(404);
    const revoked = await revokeSiteToken(db(), workspaceId, info.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await findActiveSiteToken(db(), token)).toBeUndefined();
    expect((await listSiteTokens(db(), workspaceId)).map((item) => item.id)).not.toContain(info.id);
    const all = await listSiteTokens(db(), workspaceId, { includeRevoked: true });
    expect(all.find((item) => item.id === info.id)?.revokedAt).toBe(revoked.revokedAt);
    expect((await nexusRejection(revokeSiteToken(db(), workspaceId, info.id))).status).toBe(404);
  });

  it("refuses an agent of another workspace and bad fields with a 400", async () => {
    const error = await nexusRejection(createSiteToken(db(), otherWorkspaceId, { agentId }));
    expect(error).toMatchObject({ status: 400, param: "agentId" });
    const bad = await nexusRejection(
      createSiteToken(db(), workspaceId, { agentId, allowedOrigins: ["https://a.example/path"] }),
    );
    expect(bad).toMatchObject({ status: 400, param: "allowedOrigins.0" });
  });

  it("goes with its agent", async () => {
    const doomed = await createAgent(db(), workspaceId, { name: "Doomed", model: "m" });
    const { token } = await createSiteToken(db(), workspaceId, { agentId: doomed.id });
    await deleteAgent(db(), workspaceId, doomed.id);
    expect(await findActiveSiteToken(db(), token)).toBeUndefined();
  });
});
