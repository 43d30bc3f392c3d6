import { Writable } from "node:stream";
import { createApiKey, createLogger, getWorkspaceBySlug, loadConfig, type Role } from "@nexus/core";
import {
  freshStoreOptions,
  tempDir,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import { type RunningNexus, startNexus } from "../src/index.ts";

export interface TestServer {
  nexus: RunningNexus;
  url: string;
  /** Every log line the server wrote, as raw JSON text (for secret-leak checks). */
  logs: string[];
  /** Creates a key in a workspace and returns it in clear text. */
  key(workspace: string, role?: Role): Promise<string>;
  /** fetch relative to the server, with a key when given. */
  call(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

export type Backend = { store: "sqlite" | "postgres"; redis: boolean };

/**
 * The two setups the server's API tests run on: SQLite alone, and PostgreSQL with Redis (where
 * workflow runs go through BullMQ to the server's own worker, and events and limits over Redis).
 */
export const serverBackends: Backend[] = [
  { store: "sqlite", redis: false },
  { store: "postgres", redis: true },
];

export interface TestServerOptions {
  /** OpenAI-compatible upstreams for the gateway, as `NEXUS_OPENAI_UPSTREAMS` takes them. */
  openaiUpstreams?: Array<{ id: string; baseURL: string; apiKey?: string }>;
  /** `NEXUS_DISCOVERY_PORTS` for the server; default `off`. */
  discoveryPorts?: string;
  /** `NEXUS_SHUTDOWN_GRACE_MS` for the server; default Nexus's own. */
  shutdownGraceMs?: number;
  /** More settings, as environment variables. */
  env?: Record<string, string>;
}

/** A real server on a free port over a fresh database, logging into memory. */
export async function startTestServer(
  backend: Backend = { store: "sqlite", redis: false },
  options: TestServerOptions = {},
): Promise<TestServer> {
  const { dir, cleanup } = tempDir();
  const database = freshStoreOptions(backend.store);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: dir,
    NEXUS_LOG_LEVEL: "info",
    NEXUS_BODY_LIMIT: "65536",
    // Tests never look for model servers on this machine's usual ports.
    NEXUS_DISCOVERY_PORTS: options.discoveryPorts ?? "off",
    ...(backend.redis ? { NEXUS_REDIS_URL: testRedisUrl } : {}),
    ...(options.shutdownGraceMs !== undefined
      ? { NEXUS_SHUTDOWN_GRACE_MS: String(options.shutdownGraceMs) }
      : {}),
    ...(options.openaiUpstreams ? { NEXUS_OPENAI_UPSTREAMS: JSON.stringify(options.openaiUpstreams) } : {}),
    ...options.env,
  });
  const nexus = await startNexus(config, {
    logger: createLogger("info", sink),
    store: database.options,
    redisPrefix: backend.redis ? uniqueName("nexus-test") : undefined,
  });
  const db = nexus.dependencies.store.db;
  return {
    nexus,
    url: nexus.url,
    logs,
    key: async (workspace, role = "owner") => {
      const { id } = await getWorkspaceBySlug(db, workspace);
      return (await createApiKey(db, { workspaceId: id, role })).key;
    },
    call: (path, init = {}) => {
      const { key, json, headers, ...rest } = init;
      return fetch(`${nexus.url}${path}`, {
        ...rest,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(json !== undefined ? { "content-type": "application/json" } : {}),
          ...(headers as Record<string, string> | undefined),
        },
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
    stop: async () => {
      await nexus.stop();
      await database.drop();
      cleanup();
    },
  };
}

/** Asserts the standard error shape and returns it. */
export async function errorOf(
  response: Response,
): Promise<{ type: string; message: string; param?: string }> {
  const body = (await response.json()) as { error?: { type: string; message: string } };
  if (!body.error || typeof body.error.type !== "string" || typeof body.error.message !== "string") {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body.error;
}
