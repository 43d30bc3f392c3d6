import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../packages/core/src/testing/test-databases.ts";
import { runCli } from "./run-cli.ts";

describe("nexus CLI on the local data directory", { timeout: 180_000 }, () => {
  let dataDir: string;
  let cleanup: () => void;
  const env = () => ({ NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: "silent" });

  beforeEach(() => {
    ({ dir: dataDir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  it("lists the four sites on a fresh data directory", async () => {
    const result = await runCli(["workspaces", "list"], env());
    expect(result.code).toBe(0);
    for (const slug of ["azi-learns-ai", "agentx", "ai-workflow", "nexus-os"])
      expect(result.stdout).toContain(slug);
    const json = await runCli(["workspaces", "list", "--json"], env());
    expect(JSON.parse(json.stdout)).toHaveLength(4);
  });

  it("creates a key shown once, lists it by prefix only, and revokes it", async () => {
    const created = await runCli(
      ["keys", "create", "--workspace", "agentx", "--role", "admin", "--name", "ci"],
      env(),
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^nx_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/only time the key is shown/);

    const listed = await runCli(["keys", "list", "--workspace", "agentx", "--json"], env());
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; role: string; key_prefix: string }>;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ role: "admin", key_prefix: key.slice(0, 10) });
    expect(listed.stdout).not.toContain(key);

    const otherWorkspace = await runCli(["keys", "list", "--json"], env());
    expect(JSON.parse(otherWorkspace.stdout)).toHaveLength(0);
    const crossRevoke = await runCli(["keys", "revoke", keys[0]?.id ?? "", "--workspace", "nexus-os"], env());
    expect(crossRevoke.code).toBe(1);
    expect(crossRevoke.stderr).toMatch(/not found/);

    const revoked = await runCli(["keys", "revoke", keys[0]?.id ?? "", "--workspace", "agentx"], env());
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked key/);
    const table = await runCli(["keys", "list", "--workspace", "agentx", "--all"], env());
    expect(table.stdout).toMatch(/ID\s+NAME\s+ROLE/);
  });

  it("answers usage mistakes with a message and exit code 2", async () => {
    const unknownCommand = await runCli(["frobnicate"], env());
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command/);
    const badRole = await runCli(["keys", "create", "--role", "god"], env());
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/Allowed choices are owner, admin, member/);
    const missingArgument = await runCli(["keys", "revoke"], env());
    expect(missingArgument.code).toBe(2);
    expect(missingArgument.stderr).toMatch(/missing required argument/);
    const emptyName = await runCli(["keys", "create", "--name", " "], env());
    expect(emptyName.code).toBe(2);
    const noKey = await runCli(["keys", "list", "--url", "http://127.0.0.1:9"], {
      ...env(),
      NEXUS_API_KEY: undefined,
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/NEXUS_API_KEY/);
  });

  it("answers bad data and configuration with a message and exit code 1", async () => {
    const unknownWorkspace = await runCli(["keys", "create", "--workspace", "nope"], env());
    expect(unknownWorkspace.code).toBe(1);
    expect(unknownWorkspace.stderr).toMatch(/workspace 'nope' not found/);
    const unknownKey = await runCli(["keys", "revoke", "key_missing"], env());
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toMatch(/API key 'key_missing' not found/);
    const badConfig = await runCli(["workspaces", "list"], {
      ...env(),
      NEXUS_PORT: "eighty",
      NEXUS_LOG_LEVEL: "loud",
    });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/NEXUS_PORT must be a number/);
    expect(badConfig.stderr).toMatch(/NEXUS_LOG_LEVEL must be one of/);
    const badDatabase = await runCli(["workspaces", "list"], {
      ...env(),
      NEXUS_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    expect(badDatabase.code).toBe(1);
    expect(badDatabase.stderr).toMatch(/Cannot open the database/);
    const unreachable = await runCli(["keys", "list", "--url", "http://127.0.0.1:9"], {
      ...env(),
      NEXUS_API_KEY: "nx_x",
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Cannot reach/);
  });

  it("doctor reports each check and fails when a configured service is missing", async () => {
    const healthy = await runCli(["doctor"], env());
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/✓ Node.js/);
    expect(healthy.stdout).toMatch(/✓ Database: sqlite/);
    expect(healthy.stdout).toMatch(/Local models: no GGUF model/);
    expect(healthy.stdout).toMatch(/Chromium/);
    const json = JSON.parse((await runCli(["doctor", "--json"], env())).stdout) as Array<{ name: string }>;
    expect(json.map((check) => check.name)).toEqual([
      "Node.js",
      "Data directory",
      "Database",
      "Redis",
      "Local models",
      "Model servers",
      "Model upstreams",
      "Chromium",
    ]);

    const broken = await runCli(["doctor"], { ...env(), NEXUS_REDIS_URL: "redis://:hunter2@127.0.0.1:1" });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/✗ Redis/);
    expect(broken.stdout).toMatch(/fix: Start Redis/);
    expect(broken.stdout + broken.stderr).not.toContain("hunter2");
  });
});
