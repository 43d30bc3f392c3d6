import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/test-server.ts";
import { runCli } from "./run-cli.ts";

describe("nexus CLI against a running server (--url and NEXUS_API_KEY)", { timeout: 180_000 }, () => {
  let server: TestServer;
  let adminKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    adminKey = await server.key("ai-workflow", "admin");
  });
  afterAll(() => server?.stop());

  const remote = (args: string[], key = adminKey) =>
    runCli([...args, "--url", server.url], { NEXUS_API_KEY: key, NEXUS_LOG_LEVEL: "silent" });

  it("creates, lists and revokes keys in the key's own workspace", async () => {
    const created = await remote(["keys", "create", "--role", "member", "--name", "remote", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; role: string };
    expect(key.role).toBe("member");
    const me = (await (await server.call("/api/me", { key: key.key })).json()) as {
      workspace: { slug: string };
    };
    expect(me.workspace.slug).toBe("ai-workflow");

    const listed = await remote(["keys", "list", "--json"]);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((entry) => entry.id)).toContain(key.id);

    const revoked = await remote(["keys", "revoke", key.id]);
    expect(revoked.code).toBe(0);
    expect((await server.call("/api/me", { key: key.key })).status).toBe(401);
  });

  it("lists only the key's workspace", async () => {
    const result = await remote(["workspaces", "list", "--json"]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Array<{ slug: string }>).map((workspace) => workspace.slug)).toEqual(
      ["ai-workflow"],
    );
  });

  it("refuses another workspace, a weak role and a bad key with clear messages", async () => {
    const other = await remote(["keys", "list", "--workspace", "agentx"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/belongs to workspace 'ai-workflow', not 'agentx'/);
    const member = await server.key("ai-workflow", "member");
    const denied = await remote(["keys", "list"], member);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/403: This needs the admin role/);
    const bad = await remote(["keys", "list"], "nx_bad");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401/);
  });
});
