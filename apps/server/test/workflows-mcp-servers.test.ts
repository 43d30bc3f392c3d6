import { Writable } from "node:stream";
import { createApiKey, createLogger, getWorkspaceBySlug, loadConfig, type Role } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshStoreOptions,
  tempDir,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import {
  type McpTestServer,
  startMcpTestServer,
} from "../../../packages/workflows/src/mcp/mcp-test-server.ts";
import { type RunningNexus, type RunningWorker, startNexus, startWorker } from "../src/index.ts";
import { type Backend, errorOf } from "./test-server.ts";

const token = "Bearer mcp-secret-token-7f3a9c";

/** A Dify DSL whose tool node names its MCP server only by provider_id, as Dify exports it. */
const dsl = (providerId: string) => `
app: { name: mcp adder, mode: workflow, description: '' }
kind: app
version: 0.3.1
workflow:
  conversation_variables: []
  environment_variables: []
  features: {}
  graph:
    edges:
    - { id: e1, source: start, target: add, sourceHandle: source, targetHandle: target }
    - { id: e2, source: add, target: end, sourceHandle: source, targetHandle: target }
    nodes:
    - id: start
      data:
        type: start
        title: Start
        variables: [{ variable: x, label: x, type: number, required: true }]
    - id: add
      data:
        type: tool
        title: Add
        provider_type: mcp
        provider_id: ${providerId}
        provider_name: ${providerId}
        tool_name: add
        tool_label: add
        tool_configurations: {}
        tool_parameters:
          a: { type: variable, value: [start, x] }
          b: { type: constant, value: 40 }
    - id: end
      data:
        type: end
        title: End
        outputs: [{ variable: sum, value_selector: [add, text] }]
`;

/** A server (and, without serveRuns, a worker that runs its runs) allowing 127.0.0.1 for workflows. */
async function startNexusWithMcp(backend: Backend, serveRuns: boolean) {
  const { dir, cleanup } = tempDir();
  const database = freshStoreOptions(backend.store);
  const logs: string[] = [];
  const logger = createLogger(
    "info",
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const redisPrefix = backend.redis ? uniqueName("nexus-test") : undefined;
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: dir,
    NEXUS_DISCOVERY_PORTS: "off",
    NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS: "127.0.0.1",
    ...(backend.redis ? { NEXUS_REDIS_URL: testRedisUrl } : {}),
    ...(serveRuns ? {} : { NEXUS_SERVE_RUNS: "false" }),
  });
  const nexus: RunningNexus = await startNexus(config, { logger, store: database.options, redisPrefix });
  // The worker shares the data directory, so it opens the headers with the same secret key.
  const worker: RunningWorker | undefined = serveRuns
    ? undefined
    : await startWorker(config, { logger, store: database.options, redisPrefix: redisPrefix as string });
  const db = nexus.dependencies.store.db;
  return {
    db,
    logs,
    key: async (workspace: string, role: Role = "owner") =>
      (await createApiKey(db, { workspaceId: (await getWorkspaceBySlug(db, workspace)).id, role })).key,
    call: (path: string, key: string, init: { method?: string; json?: unknown } = {}) =>
      fetch(`${nexus.url}${path}`, {
        method: init.method ?? "GET",
        headers: {
          authorization: `Bearer ${key}`,
          ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      }),
    stop: async () => {
      await nexus.stop();
      await worker?.stop();
      await database.drop();
      cleanup();
    },
  };
}

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
