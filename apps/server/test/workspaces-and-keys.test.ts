import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, errorOf, startTestServer, type TestServer } from "./test-server.ts";

const backends: Array<[string, Backend]> = [
  ["sqlite + in-process", { store: "sqlite", redis: false }],
  ["postgres + redis", { store: "postgres", redis: true }],
  ["postgres + in-process", { store: "postgres", redis: false }],
  ["sqlite + redis", { store: "sqlite", redis: true }],
];

describe.each(backends)("workspaces, keys and isolation on %s", (_name, backend) => {
  let server: TestServer;
  let agentxOwner: string;
  let learnsOwner: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    agentxOwner = await server.key("agentx", "owner");
    learnsOwner = await server.key("azi-learns-ai", "owner");
  });
  afterAll(() => server?.stop());

  it("is live and ready with the configured store, queue and events", async () => {
    expect(await (await server.call("/healthz")).json()).toMatchObject({ status: "ok" });
    const ready = await server.call("/readyz");
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; kind: string }> };
    expect(body.checks.store).toEqual({ ok: true, kind: backend.store });
    expect(body.checks.queue?.kind).toBe(backend.redis ? "bullmq" : "local");
    expect(body.checks.events?.kind).toBe(backend.redis ? "redis" : "local");
  });

  it("has the four sites as workspaces, and a key sees only its own", async () => {
    const me = await server.call("/api/me", { key: agentxOwner });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      workspace: { slug: "agentx", name: "AgentX Interface" },
      role: "owner",
      via: "key",
    });
    const list = (await (await server.call("/api/workspaces", { key: agentxOwner })).json()) as {
      data: Array<{ slug: string }>;
    };
    expect(list.data.map((workspace) => workspace.slug)).toEqual(["agentx"]);
    expect((await server.call("/api/workspaces/agentx", { key: agentxOwner })).status).toBe(200);
    const other = await server.call("/api/workspaces/azi-learns-ai", { key: agentxOwner });
    expect(other.status).toBe(404);
    expect((await errorOf(other)).type).toBe("not_found");
  });

  it("creates a key once, lists it without the secret, and the new key works", async () => {
    const created = await server.call("/api/keys", {
      method: "POST",
      key: agentxOwner,
      json: { name: "bot", role: "member" },
    });
    expect(created.status).toBe(201);
    const { key, id, role } = (await created.json()) as { key: string; id: string; role: string };
    expect(role).toBe("member");
    const listed = await (await server.call("/api/keys", { key: agentxOwner })).text();
    expect(listed).toContain(id);
    expect(listed).not.toContain(key);
    expect(listed).not.toContain("key_hash");
    const me = (await (await server.call("/api/me", { key })).json()) as { role: string };
    expect(me.role).toBe("member");
  });

  it("never lets one workspace's key read or change another's keys", async () => {
    const victim = await server.call("/api/keys", {
      method: "POST",
      key: learnsOwner,
      json: { name: "victim" },
    });
    const { id: victimId, key: victimKey } = (await victim.json()) as { id: string; key: string };
    const agentxList = await (await server.call("/api/keys", { key: agentxOwner })).text();
    expect(agentxList).not.toContain(victimId);
    const revoke = await server.call(`/api/keys/${victimId}`, { method: "DELETE", key: agentxOwner });
    expect(revoke.status).toBe(404);
    expect((await server.call("/api/me", { key: victimKey })).status).toBe(200);
  });

  it("revoking a key stops it at once", async () => {
    const created = await server.call("/api/keys", { method: "POST", key: agentxOwner, json: {} });
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect((await server.call("/api/me", { key })).status).toBe(200);
    const revoke = await server.call(`/api/keys/${id}`, { method: "DELETE", key: agentxOwner });
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    const after = await server.call("/api/me", { key });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).type).toBe("authentication_error");
    const again = await server.call(`/api/keys/${id}`, { method: "DELETE", key: agentxOwner });
    expect(again.status).toBe(404);
  });

  it("lets only admins and owners manage keys, and no one mint a stronger key", async () => {
    const member = await server.key("agentx", "member");
    const admin = await server.key("agentx", "admin");
    for (const [method, path] of [
      ["GET", "/api/keys"],
      ["POST", "/api/keys"],
      ["DELETE", "/api/keys/key_x"],
    ] as const) {
      const response = await server.call(path, {
        method,
        key: member,
        ...(method === "POST" ? { json: {} } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await errorOf(response)).type).toBe("permission_denied");
    }
    const escalate = await server.call("/api/keys", { method: "POST", key: admin, json: { role: "owner" } });
    expect(escalate.status).toBe(403);
    expect(
      (await server.call("/api/keys", { method: "POST", key: admin, json: { role: "admin" } })).status,
    ).toBe(201);
  });

  it("signs the browser in with a key or a one-time code, and out again", async () => {
    const signIn = await server.call("/api/sessions", { method: "POST", json: { key: agentxOwner } });
    expect(signIn.status).toBe(201);
    const cookie = signIn.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/nexus_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const session = cookie.split(";")[0] ?? "";
    const me = await server.call("/api/me", { headers: { cookie: session } });
    expect(await me.json()).toMatchObject({ workspace: { slug: "agentx" }, via: "session" });

    const code = server.nexus.loginCodes.issue("nexus-os");
    const byCode = await server.call("/api/sessions", { method: "POST", json: { loginCode: code } });
    expect(await byCode.json()).toMatchObject({ workspace: { slug: "nexus-os" }, role: "owner" });
    const reused = await server.call("/api/sessions", { method: "POST", json: { loginCode: code } });
    expect(reused.status).toBe(401);

    const signOut = await server.call("/api/sessions/current", {
      method: "DELETE",
      headers: { cookie: session },
    });
    expect(signOut.status).toBe(204);
    expect((await server.call("/api/me", { headers: { cookie: session } })).status).toBe(401);
  });
});
