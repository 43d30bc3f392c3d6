import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { startTestServer, type TestServer } from "../../server/test/test-server.ts";
import { runCli } from "./run-cli.ts";

const sharedModel = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");

describe("nexus models and nexus chat", { timeout: 180_000 }, () => {
  let dataDir: string;
  let cleanup: () => void;
  let upstream: OpenAITestServer;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = tempDir());
    fs.mkdirSync(path.join(dataDir, "models"));
    fs.copyFileSync(sharedModel, path.join(dataDir, "models", "tiny.gguf"));
    upstream = await startOpenAITestServer();
    server = await startTestServer(undefined, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    key = await server.key("agentx", "member");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
    cleanup?.();
  });

  const local = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent", ...env });
  const remote = (args: string[]) => runCli([...args, "--url", server.url], { NEXUS_API_KEY: key });

  it("lists local GGUF models and configured upstreams", async () => {
    const listed = await local(["models", "list", "--json"], {
      NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: upstream.baseURL }]),
    });
    expect(listed.code, listed.stderr).toBe(0);
    const ids = (JSON.parse(listed.stdout) as Array<{ id: string }>).map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["local/tiny", "tiny", "double/test-chat"]));
    const empty = await runCli(["models", "list"], { NEXUS_DATA_DIR: path.join(dataDir, "empty") });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/No models yet/);
  });

  it("streams a chat answer from a local model to the terminal", async () => {
    const answer = await local(["chat", "Hello", "--model", "local/tiny", "--max-tokens", "6"]);
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.stdout.trim().length).toBeGreaterThan(0);
  });

  it("chats through a running server, with the system prompt sent", async () => {
    const answer = await remote([
      "chat",
      "hello there",
      "--model",
      "double/test-chat",
      "--system",
      "be brief",
    ]);
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.stdout).toContain("You said: hello there");
    const sent = upstream.chatRequests().at(-1) as { messages: Array<{ role: string; content: string }> };
    expect(sent.messages[0]).toEqual({ role: "system", content: "be brief" });
    const listed = await remote(["models", "list"]);
    expect(listed.stdout).toMatch(/double\/test-chat\s+double/);
  });

  it("routes a workspace's alias without a server, and refuses an unknown workspace", async () => {
    const { openStore, createEventBus, createSecretBox, findWorkspaceBySlug, ensureDefaultWorkspaces } =
      await import("@nexus/core");
    const { GatewayConfigStore } = await import("@nexus/gateway");
    const store = await openStore({ kind: "sqlite", file: path.join(dataDir, "nexus.db") });
    const events = await createEventBus({});
    try {
      await ensureDefaultWorkspaces(store.db);
      const workspace = await findWorkspaceBySlug(store.db, "ai-workflow");
      const config = new GatewayConfigStore(store, events, createSecretBox("test"));
      await config.putProvider(workspace?.id ?? "", {
        id: "mine",
        kind: "openai-compatible",
        baseURL: upstream.baseURL,
      });
      await config.putAlias(workspace?.id ?? "", {
        name: "fast",
        description: "",
        strategy: "weighted",
        retries: 0,
        timeouts: {},
        deployments: [{ provider: "mine", model: "test-chat", weight: 1 }],
      });
    } finally {
      await events.close();
      await store.close();
    }
    const chat = await local(["chat", "--workspace", "ai-workflow", "--model", "fast", "via an alias"]);
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toContain("You said: via an alias");
    const listed = await local(["models", "list", "--workspace", "ai-workflow", "--json"]);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((model) => model.id)).toContain("fast");
    const elsewhere = await local(["chat", "--model", "fast", "x"]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/fast/);
    const unknown = await local(["chat", "--workspace", "nope", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No workspace 'nope'/);
  });

  it("answers unknown models, bad flags and upstream failures with clear errors", async () => {
    const unknown = await local(["chat", "x", "--model", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/model 'nope' does not exist/);
    const badFlag = await local(["chat", "x", "--max-tokens", "-3"]);
    expect(badFlag.code).toBe(2);
    const noPrompt = await local(["chat"]);
    expect(noPrompt.code).toBe(2);
    const limited = await remote(["chat", "x", "--model", "double/test-rate-limited"]);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/Server answered 429/);
    const broken = await remote(["chat", "x", "--model", "double/test-dies-midway"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/stream failed/);
  });
});
