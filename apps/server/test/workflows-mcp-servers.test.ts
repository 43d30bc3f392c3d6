import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type McpTestServer,
  startMcpTestServer,
} from "../../../packages/workflows/src/mcp/mcp-test-server.ts";
import { dsl, startNexusWithMcp, token } from "./mcp-servers-harness.ts";
import { type Backend, errorOf } from "./test-server.ts";

describe.each([
  { backend: { store: "sqlite", redis: false } as Backend, serveRuns: true },
  { backend: { store: "postgres", redis: true } as Backend, serveRuns: false },
])(
  "workspace MCP servers on $backend.store (server runs them itself: $serveRuns)",
  ({ backend, serveRuns }) => {
    let nexus: Awaited<ReturnType<typeof startNexusWithMcp>>;
    let mcp: McpTestServer;
    let owner: string;
    let serverId: string;

    const importAndRun = async (key: string, providerId: string) => {
      const imported = await nexus.call("/api/workflows/import", key, {
        method: "POST",
        json: { yaml: dsl(providerId) },
      });
      expect(imported.status).toBe(201);
      const { workflow } = (await imported.json()) as { workflow: { id: string } };
      const ran = await nexus.call(`/api/workflows/${workflow.id}/runs`, key, {
        method: "POST",
        json: { inputs: { x: 2 }, response_mode: "blocking" },
      });
      expect(ran.status).toBe(200);
      return ((await ran.json()) as { data: { status: string; outputs: unknown; error: string | null } })
        .data;
    };

    beforeAll(async () => {
      mcp = await startMcpTestServer({ authorization: token });
      nexus = await startNexusWithMcp(backend, serveRuns);
      owner = await nexus.key("ai-workflow");
    });
    afterAll(async () => {
      await nexus?.stop();
      await mcp?.close();
    });

    it("a registered server is listed and checked without its header values", async () => {
      const created = await nexus.call("/api/workflows/mcp-servers", owner, {
        method: "POST",
        json: { providerId: "wing-tools", url: mcp.url, headers: { Authorization: token } },
      });
      expect(created.status).toBe(201);
      const createdText = await created.text();
      const { server } = JSON.parse(createdText) as { server: { id: string } };
      serverId = server.id;
      expect(server).toMatchObject({
        providerId: "wing-tools",
        url: mcp.url,
        headerNames: ["Authorization"],
      });

      const listed = await nexus.call("/api/workflows/mcp-servers", owner);
      const listedText = await listed.text();
      expect(JSON.parse(listedText)).toEqual({ data: [expect.objectContaining({ id: serverId })] });

      const checked = await nexus.call(`/api/workflows/mcp-servers/${serverId}/tools`, owner, {
        method: "POST",
      });
      expect(checked.status).toBe(200);
      const { tools } = (await checked.json()) as { tools: Array<{ name: string; inputSchema: unknown }> };
      expect(tools.map((tool) => tool.name).sort()).toEqual(["add", "fail", "pixel", "shout", "wing_facts"]);

      // The token is sealed at rest and never answered or logged.
      const row = await nexus.db
        .selectFrom("workflow_mcp_servers")
        .selectAll()
        .where("id", "=", serverId)
        .executeTakeFirstOrThrow();
      expect(row.headers_ciphertext).toMatch(/^v1\./);
      for (const text of [createdText, listedText, JSON.stringify(row), ...nexus.logs])
        expect(text).not.toContain("mcp-secret-token");
    });

    it("a Dify DSL naming the server by provider_id runs its tool (headers sent)", async () => {
      const before = mcp.calls.length;
      const run = await importAndRun(owner, "wing-tools");
      expect(run.error).toBeNull();
      expect(run.status).toBe("succeeded");
      expect(run.outputs).toEqual({ sum: "42" });
      expect(mcp.calls.slice(before)).toEqual([{ name: "add", arguments: { a: 2, b: 40 } }]);
    });

    it("bad input is refused with the error shape", async () => {
      const post = (json: unknown, key = owner) =>
        nexus.call("/api/workflows/mcp-servers", key, { method: "POST", json });
      const cases: Array<[unknown, number, string, RegExp]> = [
        [{ providerId: "x", url: "ftp://example.com/mcp" }, 400, "invalid_request", /http:\/\/ or https/],
        [{ providerId: "x", url: "http://" }, 400, "invalid_request", /not a valid URL/],
        [{ providerId: "bad id!", url: mcp.url }, 400, "invalid_request", /providerId must be/],
        [{ providerId: "x", url: mcp.url, extra: 1 }, 400, "invalid_request", /extra/],
        [
          { providerId: "x", url: mcp.url, headers: { "Content-Type": "a" } },
          400,
          "invalid_request",
          /set by/,
        ],
        [{ providerId: "x", url: mcp.url, headers: { A: "b\r\nc" } }, 400, "invalid_request", /line breaks/],
        [
          { providerId: "x", url: mcp.url, headers: { "a b": "c" } },
          400,
          "invalid_request",
          /token characters/,
        ],
        [{ providerId: "wing-tools", url: mcp.url }, 409, "conflict", /exists/],
      ];
      for (const [body, status, type, message] of cases) {
        const response = await post(body);
        expect(response.status, JSON.stringify(body)).toBe(status);
        const error = await errorOf(response);
        expect(error.type).toBe(type);
        expect(error.message).toMatch(message);
      }
      const member = await nexus.key("ai-workflow", "member");
      expect((await post({ providerId: "y", url: mcp.url }, member)).status).toBe(403);

      const unknown = await nexus.call("/api/workflows/mcp-servers/mcp_nosuchserver", owner, {
        method: "DELETE",
      });
      expect(unknown.status).toBe(404);
      expect((await errorOf(unknown)).type).toBe("not_found");

      // A server that answers without the token: the check says what went wrong.
      const noToken = await post({ providerId: "no-token", url: mcp.url });
      const { server } = (await noToken.json()) as { server: { id: string } };
      const checked = await nexus.call(`/api/workflows/mcp-servers/${server.id}/tools`, owner, {
        method: "POST",
      });
      expect(checked.status).toBe(422);
      expect((await errorOf(checked)).message).toMatch(/MCP server at .* is unreachable/);
      const deleted = await nexus.call(`/api/workflows/mcp-servers/${server.id}`, owner, {
        method: "DELETE",
      });
      expect(deleted.status).toBe(204);
    });

    it("an admin edits the server in place and the next run uses the new settings", async () => {
      const secondToken = "Bearer mcp-second-token-4b8e21";
      const second = await startMcpTestServer({ authorization: secondToken });
      const answers: string[] = [];
      const patch = async (json: unknown) => {
        const response = await nexus.call(`/api/workflows/mcp-servers/${serverId}`, owner, {
          method: "PATCH",
          json,
        });
        const text = await response.text();
        answers.push(text);
        expect(response.status, text).toBe(200);
        return (JSON.parse(text) as { server: Record<string, unknown> }).server;
      };
      const sealed = async () =>
        (
          await nexus.db
            .selectFrom("workflow_mcp_servers")
            .select("headers_ciphertext")
            .where("id", "=", serverId)
            .executeTakeFirstOrThrow()
        ).headers_ciphertext;
      try {
        // Headers given as {} clear them: the server now answers 401 and the run fails.
        expect(await patch({ headers: {} })).toMatchObject({ providerId: "wing-tools", headerNames: [] });
        expect(await sealed()).toBeNull();
        expect((await importAndRun(owner, "wing-tools")).status).toBe("failed");

        // A new URL and token, sealed again: the next run calls the other server with it.
        const moved = await patch({ url: second.url, headers: { Authorization: secondToken } });
        expect(moved).toMatchObject({ id: serverId, url: second.url, headerNames: ["Authorization"] });
        expect(await sealed()).toMatch(/^v1\./);
        const before = mcp.calls.length;
        expect((await importAndRun(owner, "wing-tools")).outputs).toEqual({ sum: "42" });
        expect(second.calls).toEqual([{ name: "add", arguments: { a: 2, b: 40 } }]);
        expect(mcp.calls.length).toBe(before);

        // A rename alone keeps the headers: runs find it by the new identifier only.
        expect(await patch({ providerId: "wing-tools-2" })).toMatchObject({ headerNames: ["Authorization"] });
        expect((await importAndRun(owner, "wing-tools-2")).outputs).toEqual({ sum: "42" });
        expect((await importAndRun(owner, "wing-tools")).error).toMatch(/not set up in this workspace/);

        // Back as it was, for the tests after this one.
        await patch({ providerId: "wing-tools", url: mcp.url, headers: { Authorization: token } });
        expect((await importAndRun(owner, "wing-tools")).outputs).toEqual({ sum: "42" });
      } finally {
        await second.close();
      }
      for (const text of [...answers, ...nexus.logs]) {
        expect(text).not.toContain("mcp-second-token");
        expect(text).not.toContain("mcp-secret-token");
      }
    });

    it("bad edits and edits from another workspace are refused", async () => {
      const patch = (id: string, json: unknown, key = owner) =>
        nexus.call(`/api/workflows/mcp-servers/${id}`, key, { method: "PATCH", json });
      const taken = await nexus.call("/api/workflows/mcp-servers", owner, {
        method: "POST",
        json: { providerId: "taken-tools", url: mcp.url },
      });
      const takenId = ((await taken.json()) as { server: { id: string } }).server.id;
      const cases: Array<[string, unknown, number, string, RegExp]> = [
        [serverId, {}, 400, "invalid_request", /at least one of providerId, url or headers/],
        [serverId, { url: "ftp://example.com/mcp" }, 400, "invalid_request", /http:\/\/ or https/],
        [serverId, { providerId: "bad id!" }, 400, "invalid_request", /providerId must be/],
        [serverId, { extra: 1 }, 400, "invalid_request", /extra/],
        [serverId, { headers: { Accept: "a" } }, 400, "invalid_request", /set by/],
        [serverId, { headers: "Bearer x" }, 400, "invalid_request", /headers/],
        [serverId, { providerId: "taken-tools" }, 409, "conflict", /exists/],
        ["mcp_nosuchserver", { url: mcp.url }, 404, "not_found", /not found/],
      ];
      for (const [id, body, status, type, message] of cases) {
        const response = await patch(id, body);
        expect(response.status, JSON.stringify(body)).toBe(status);
        const error = await errorOf(response);
        expect(error.type, JSON.stringify(body)).toBe(type);
        expect(error.message).toMatch(message);
      }
      const member = await nexus.key("ai-workflow", "member");
      expect((await patch(serverId, { url: "http://127.0.0.1:9/mcp" }, member)).status).toBe(403);

      // Another workspace's admin key: as if the server did not exist, and nothing changes.
      const other = await nexus.key("agentx");
      const foreign = await patch(serverId, { url: "http://127.0.0.1:9/mcp", headers: {} }, other);
      expect(foreign.status).toBe(404);
      expect((await errorOf(foreign)).type).toBe("not_found");
      const listed = (await (await nexus.call("/api/workflows/mcp-servers", owner)).json()) as {
        data: Array<{ id: string }>;
      };
      expect(listed.data.find((server) => server.id === serverId)).toMatchObject({
        providerId: "wing-tools",
        url: mcp.url,
        headerNames: ["Authorization"],
      });
      expect((await importAndRun(owner, "wing-tools")).outputs).toEqual({ sum: "42" });
      const removed = await nexus.call(`/api/workflows/mcp-servers/${takenId}`, owner, { method: "DELETE" });
      expect(removed.status).toBe(204);
    });

    it("another workspace cannot see, check, delete or run the server", async () => {
      const other = await nexus.key("agentx");
      expect(await (await nexus.call("/api/workflows/mcp-servers", other)).json()).toEqual({ data: [] });
      const checked = await nexus.call(`/api/workflows/mcp-servers/${serverId}/tools`, other, {
        method: "POST",
      });
      expect(checked.status).toBe(404);
      expect((await errorOf(checked)).type).toBe("not_found");
      expect(
        (await nexus.call(`/api/workflows/mcp-servers/${serverId}`, other, { method: "DELETE" })).status,
      ).toBe(404);
      const before = mcp.calls.length;
      const run = await importAndRun(other, "wing-tools");
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/MCP server 'wing-tools' is not set up in this workspace/);
      expect(mcp.calls.length).toBe(before);
      // The identifier is unique per workspace, not across them.
      const own = await nexus.call("/api/workflows/mcp-servers", other, {
        method: "POST",
        json: { providerId: "wing-tools", url: mcp.url, headers: { Authorization: token } },
      });
      expect(own.status).toBe(201);
      expect((await importAndRun(other, "wing-tools")).outputs).toEqual({ sum: "42" });
    });

    it("a deleted server is no longer found by runs", async () => {
      const deleted = await nexus.call(`/api/workflows/mcp-servers/${serverId}`, owner, { method: "DELETE" });
      expect(deleted.status).toBe(204);
      const run = await importAndRun(owner, "wing-tools");
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/not set up in this workspace/);
    });
  },
);
