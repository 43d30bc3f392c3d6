import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import {
  type ModelFileServer,
  startModelFileServer,
} from "../../../packages/gateway/src/testing/model-file-server.ts";
import { freePort, runCli, spawnCli } from "./run-cli.ts";

const sharedModel = path.resolve(import.meta.dirname, "../../../../shared/models/llama-2-tiny-random.gguf");
const catalogPath = "/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf";

// Every download comes from a real HTTP server on 127.0.0.1 standing in for Hugging Face.
describe("nexus models pull and catalog", { timeout: 180_000 }, () => {
  const model = fs.readFileSync(sharedModel);
  let host: ModelFileServer;
  let dataDir: string;
  let cleanup: () => void;

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = tempDir());
    host = await startModelFileServer({ "/files/tiny.gguf": model, [catalogPath]: model });
    host.put("/files/readme.gguf", Buffer.from("# Not a model\n"), "text/markdown");
  });
  afterAll(async () => {
    await host?.close();
    cleanup?.();
  });

  const nexus = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent", ...env });

  it("pulls a GGUF by URL with progress; models list shows it and chat uses it", async () => {
    const pulled = await nexus(["models", "pull", `${host.origin}/files/tiny.gguf`]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain(`Pulled tiny (1.8 MB) into ${path.join(dataDir, "models", "tiny.gguf")}`);
    expect(pulled.stdout).toContain('Try it: nexus chat "Hello" --model local/tiny');
    expect(pulled.stderr).toMatch(/\[#+\]\s+100%\s+1\.8\/1\.8 MB\s+\S+ \S*B\/s/);

    const listed = await nexus(["models", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((entry) => entry.id)).toContain(
      "local/tiny",
    );
    const answer = await nexus(["chat", "Hello", "--model", "local/tiny", "--max-tokens", "4"]);
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.stdout.trim().length).toBeGreaterThan(0);

    const again = await nexus(["models", "pull", `${host.origin}/files/tiny.gguf`, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ modelId: "tiny", alreadyPresent: true });
  });

  it("pulls a catalog model by name and lists the catalog", async () => {
    // HF_ENDPOINT points node-llama-cpp (and Nexus's check before it) at a Hugging Face mirror.
    const pulled = await nexus(["models", "pull", "qwen2.5-0.5b-instruct"], { HF_ENDPOINT: host.origin });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toMatch(/^Pulled qwen2\.5-0\.5b-instruct \(1\.8 MB\)/);
    expect(fs.existsSync(path.join(dataDir, "models", "qwen2.5-0.5b-instruct.gguf"))).toBe(true);

    const catalog = await nexus(["models", "catalog"]);
    expect(catalog.code).toBe(0);
    expect(catalog.stdout).toMatch(/nomic-embed-text-v1\.5\s+embedding\s+146 MB/);
    const json = JSON.parse((await nexus(["models", "catalog", "--json"])).stdout) as Array<{ name: string }>;
    expect(json.map((entry) => entry.name)).toContain("llama-3.2-1b-instruct");
  });

  it("fails with a clear message and exit 1 on a 404, an unreachable host and a file that is not GGUF", async () => {
    const missing = await nexus(["models", "pull", `${host.origin}/files/nope.gguf`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `nexus: Nothing to download at ${host.origin}/files/nope.gguf (HTTP 404)`,
    );

    const port = await freePort();
    const offline = await nexus(["models", "pull", `http://127.0.0.1:${port}/m.gguf`]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain(`nexus: Cannot reach 127.0.0.1:${port} (ECONNREFUSED)`);

    const readme = await nexus(["models", "pull", `${host.origin}/files/readme.gguf`]);
    expect(readme.code).toBe(1);
    expect(readme.stderr).toMatch(
      /is not a GGUF model file \(content-type text\/markdown, it starts with "# No"/,
    );
    expect(fs.existsSync(path.join(dataDir, "models", "readme.gguf"))).toBe(false);
    expect(readme.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("answers usage mistakes with exit 2", async () => {
    const unknown = await nexus(["models", "pull", "qwen-tiny"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/'qwen-tiny' is not in the catalog.*Did you mean qwen2\.5-0\.5b-instruct/);
    const badName = await nexus(["models", "pull", `${host.origin}/files/tiny.gguf`, "--name", "../x"]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/'..\/x' is not a usable model id/);
    const noSource = await nexus(["models", "pull"]);
    expect(noSource.code).toBe(2);
  });

  it("stops on Ctrl-C keeping what arrived, and the same command resumes", async () => {
    const big = Buffer.concat([model, Buffer.alloc(12 * 1024 * 1024 - model.length, 7)]);
    const slow = await startModelFileServer({ "/big.gguf": big }, { bytesPerSecond: 2_000_000 });
    try {
      const env = { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent" };
      const child = spawnCli(["models", "pull", `${slow.origin}/big.gguf`], env);
      let stderr = "";
      let interrupted = false;
      const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
      child.stderr?.on("data", (chunk) => {
        stderr += chunk;
        // A line per 10%: interrupt once the first finished chunk (5 MiB) can be on disk.
        if (/\s(6|7|8)\d%/.test(stderr) && !interrupted) {
          interrupted = true;
          child.kill("SIGINT");
        }
      });
      expect(await exited).toBe(130);
      expect(stderr).toContain("Stopped. What arrived is kept: run the same command again to resume.");
      expect(fs.existsSync(path.join(dataDir, "models", "big.gguf.ipull"))).toBe(true);

      const resumed = await runCli(["models", "pull", `${slow.origin}/big.gguf`], env);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(fs.readFileSync(path.join(dataDir, "models", "big.gguf")).equals(big)).toBe(true);
      expect(fs.existsSync(path.join(dataDir, "models", "big.gguf.ipull"))).toBe(false);
    } finally {
      await slow.close();
    }
  });
});
