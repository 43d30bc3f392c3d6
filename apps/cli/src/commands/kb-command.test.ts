import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../../packages/core/src/testing/test-databases.ts";
import { runCli, spawnCli } from "../../test/run-cli.ts";

describe("nexus kb on the local data directory", { timeout: 120_000 }, () => {
  let dataDir: string;
  let cleanup: () => void;
  const env = () => ({ NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent" });

  beforeAll(() => {
    ({ dir: dataDir, cleanup } = tempDir());
  });
  afterAll(() => cleanup());

  it("creates, ingests a folder with progress, and searches in each mode", async () => {
    const created = await runCli(["kb", "create", "docs", "--chunking", "markdown"], env());
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toMatch(/^kb_/);

    const folder = path.join(dataDir, "input");
    fs.mkdirSync(path.join(folder, "nested"), { recursive: true });
    fs.writeFileSync(
      path.join(folder, "install.md"),
      "# Install\n\nUnpack the archive and run the setup wizard.",
    );
    fs.writeFileSync(path.join(folder, "nested", "faq.txt"), "Reset the password from the login screen.");
    fs.writeFileSync(path.join(folder, "broken.txt"), Buffer.from([0, 1, 2, 3, 0]));
    const ingested = await runCli(["kb", "ingest", "docs", folder], env());
    expect(ingested.stderr).toMatch(/3\/3 documents/);
    expect(ingested.stdout).toMatch(/install\.md\s+ready/);
    expect(ingested.stdout).toMatch(/broken\.txt\s+failed\s+0\s+broken\.txt is a binary file/);
    expect(ingested.code).toBe(1);

    for (const mode of ["vector", "fulltext", "hybrid"]) {
      const searched = await runCli(
        ["kb", "search", "docs", "how do I reset my password", "--mode", mode, "--top-k", "1", "--json"],
        env(),
      );
      expect(searched.code, searched.stderr).toBe(0);
      const result = JSON.parse(searched.stdout) as { hits: Array<{ citation: { documentName: string } }> };
      expect(result.hits[0]?.citation.documentName, mode).toBe("faq.txt");
    }
    const plain = await runCli(["kb", "search", "docs", "setup wizard"], env());
    expect(plain.stdout).toMatch(/1\. \d\.\d{3}\s+install\.md #0/);
  });

  it("exits non-zero with a clear message for bad input", async () => {
    const missing = await runCli(["kb", "search", "nope", "x"], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/knowledge base 'nope' not found/);
    const mode = await runCli(["kb", "search", "docs", "x", "--mode", "fuzzy"], env());
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--mode must be one of/);
    const file = await runCli(["kb", "ingest", "docs", path.join(dataDir, "does-not-exist.pdf")], env());
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/no such file/);
    const duplicate = await runCli(["kb", "create", "docs"], env());
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
  });
});

describe("nexus kb watch", { timeout: 120_000 }, () => {
  it("indexes a folder's files as they change, searchable from another process, and stops on SIGTERM", async () => {
    const { dir: dataDir, cleanup } = tempDir();
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent" };
    try {
      expect((await runCli(["kb", "create", "live"], env)).code).toBe(0);
      const folder = path.join(dataDir, "watched");
      fs.mkdirSync(folder);
      const watcher = spawnCli(["kb", "watch", "live", folder], env);
      let stderr = "";
      watcher.stderr?.on("data", (chunk) => {
        stderr += chunk;
      });
      const until = async (predicate: () => boolean | Promise<boolean>) => {
        for (let tries = 0; tries < 300; tries++) {
          if (await predicate()) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`timed out; watcher said: ${stderr}`);
      };
      await until(() => stderr.includes("Watching"));
      fs.writeFileSync(path.join(folder, "note.txt"), "Vortex generators delay separation on the flap.");
      await until(async () => {
        const searched = await runCli(["kb", "search", "live", "vortex generators", "--json"], env);
        return searched.code === 0 && (JSON.parse(searched.stdout) as { hits: unknown[] }).hits.length > 0;
      });
      const exited = new Promise<number | null>((resolve) => watcher.on("close", resolve));
      watcher.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      cleanup();
    }
  });
});
