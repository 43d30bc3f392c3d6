import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import {
  defaultTestModels,
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { freePort, runCli } from "./run-cli.ts";

const sharedModel = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");

interface Check {
  section?: string;
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

// Local servers are real HTTP servers on ephemeral ports, named to the doctor by NEXUS_DISCOVERY_PORTS.
describe("nexus doctor: models", { timeout: 180_000 }, () => {
  let root: string;
  let cleanup: () => void;
  let ollama: OpenAITestServer;
  let upstream: OpenAITestServer;

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir());
    ollama = await startOpenAITestServer({ models: { "llama3.2:1b": {}, "nomic-embed-text:latest": {} } });
    upstream = await startOpenAITestServer({ apiKey: "sk-doctor-secret" });
  });
  afterAll(async () => {
    await ollama?.close();
    await upstream?.close();
    cleanup?.();
  });

  const doctor = (dataDir: string, env: Record<string, string>, json = false) =>
    runCli(["doctor", ...(json ? ["--json"] : [])], {
      NEXUS_DATA_DIR: path.join(root, dataDir),
      NEXUS_CHROMIUM_PATH: "/bin/true",
      ...env,
    });

  it("with no model anywhere, says how to add one", async () => {
    const result = await doctor("empty", { NEXUS_DISCOVERY_PORTS: "off" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\nModels\n {2}! Local models: no GGUF model in .*empty\/models\n/);
    expect(result.stdout).toContain(
      "fix: No model anywhere yet. Pull one: `nexus models pull qwen2.5-0.5b-instruct` (chat, 398 MB) or `nexus models pull nomic-embed-text-v1.5` (embedding, 146 MB)",
    );
    expect(result.stdout).toContain("NEXUS_OPENAI_UPSTREAMS='[{");
    expect(result.stdout).toContain("- Model servers: discovery is off (NEXUS_DISCOVERY_PORTS=off)");
    expect(result.stdout).toContain("- Model upstreams: NEXUS_OPENAI_UPSTREAMS is not set");

    const port = await freePort();
    const nothingListening = await doctor("empty", { NEXUS_DISCOVERY_PORTS: `ollama=${port}` });
    expect(nothingListening.stdout).toContain(
      `- Model servers: none found on 127.0.0.1 (looked for Ollama :${port})`,
    );
  });

  it("lists GGUF files, discovered servers with their models, and upstreams with their model count", async () => {
    fs.mkdirSync(path.join(root, "full", "models"), { recursive: true });
    fs.copyFileSync(sharedModel, path.join(root, "full", "models", "tiny.gguf"));
    const env = {
      NEXUS_DISCOVERY_PORTS: `ollama=${new URL(ollama.baseURL).port}`,
      NEXUS_OPENAI_UPSTREAMS: JSON.stringify([
        { id: "double", baseURL: upstream.baseURL, apiKey: "sk-doctor-secret" },
      ]),
    };
    const result = await doctor("full", env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ {2}✓ Local models: 1 GGUF in .*full\/models: tiny\.gguf\n/);
    expect(result.stdout).toContain(
      `  ✓ Model servers: Ollama at ${ollama.baseURL}: llama3.2:1b, nomic-embed-text:latest\n`,
    );
    const modelCount = Object.keys(defaultTestModels).length;
    expect(result.stdout).toMatch(
      new RegExp(
        ` {2}✓ Model upstreams: double → http://127\\.0\\.0\\.1:\\d+/v1 \\(${modelCount} models\\)\n`,
      ),
    );
    expect(result.stdout).not.toContain("fix: No model anywhere");
    expect(result.stdout + result.stderr).not.toContain("sk-doctor-secret");

    const checks = JSON.parse((await doctor("full", env, true)).stdout) as Check[];
    expect(
      checks.filter((check) => check.section === "Models").map((check) => [check.name, check.status]),
    ).toEqual([
      ["Local models", "ok"],
      ["Model servers", "ok"],
      ["Model upstreams", "ok"],
    ]);
  });

  it("a discovered server alone is enough; a dead upstream and a bad NEXUS_DISCOVERY_PORTS are reported", async () => {
    const port = await freePort();
    const result = await doctor("servers-only", {
      NEXUS_DISCOVERY_PORTS: `vllm=${new URL(ollama.baseURL).port}`,
      NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "gone", baseURL: `http://127.0.0.1:${port}/v1` }]),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ {2}- Local models: no GGUF model in .*\n {2}✓ Model servers: vLLM at/);
    expect(result.stdout).toMatch(
      / {2}! Model upstreams: gone → http:\/\/127\.0\.0\.1:\d+\/v1: .*unreachable/,
    );
    expect(result.stdout).toContain("fix: Check that gone is running and reachable from here");

    // A malformed value is a configuration error, refused at start by every command.
    const bad = await doctor("servers-only", { NEXUS_DISCOVERY_PORTS: "ollama:11434" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("NEXUS_DISCOVERY_PORTS must be 'off' or <server>=<port> pairs");
    // A well-formed value naming an unknown server passes the config check and fails the doctor's.
    const unknown = await doctor("servers-only", { NEXUS_DISCOVERY_PORTS: "mystery=11434" });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain(
      "✗ Model servers: NEXUS_DISCOVERY_PORTS: 'mystery=11434' is not <server>=<port>",
    );
  });
});
