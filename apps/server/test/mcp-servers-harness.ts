/** A Nexus with workspace MCP servers for the MCP server route tests, and the DSL they run. */
import { Writable } from "node:stream";
import { createApiKey, createLogger, getWorkspaceBySlug, loadConfig, type Role } from "@nexus/core";
import {
  freshStoreOptions,
  tempDir,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import { type RunningNexus, type RunningWorker, startNexus, startWorker } from "../src/index.ts";
import type { Backend } from "./test-server.ts";

export const token = "Bearer mcp-secret-token-7f3a9c";

/** A Dify DSL whose tool node names its MCP server only by provider_id, as Dify exports it. */
export const dsl = (providerId: string) => `
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
export async function startNexusWithMcp(backend: Backend, serveRuns: boolean) {
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
