import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, testPostgresUrl, uniqueName } from "../../../packages/core/src/testing/test-databases.ts";
import { runCli } from "./run-cli.ts";

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

// The machine's real PostgreSQL: the check must say what the server actually has.
describe("nexus doctor: pgvector", { timeout: 120_000 }, () => {
  let root: string;
  let cleanup: () => void;
  const schema = uniqueName("doctor").toLowerCase();
  let serverHasPgvector = false;

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir());
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query("select 1 from pg_available_extensions where name = 'vector'");
      serverHasPgvector = rows.length > 0;
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    cleanup?.();
  });

  const doctor = (env: Record<string, string>) =>
    runCli(["doctor", "--json"], {
      NEXUS_DATA_DIR: path.join(root, "data"),
      NEXUS_CHROMIUM_PATH: "/bin/true",
      NEXUS_DISCOVERY_PORTS: "off",
      ...env,
    });

  it("reports whether the PostgreSQL server has pgvector, and says nothing of it on SQLite", async () => {
    const postgres = await doctor({ NEXUS_DATABASE_URL: testPostgresUrl, NEXUS_DATABASE_SCHEMA: schema });
    expect(postgres.code, postgres.stderr).toBe(0);
    const checks = JSON.parse(postgres.stdout) as Check[];
    const names = checks.map((check) => check.name);
    expect(names.indexOf("pgvector")).toBe(names.indexOf("Database") + 1);
    const check = checks.find((entry) => entry.name === "pgvector") as Check;
    if (serverHasPgvector) {
      expect(check.status).toBe("ok");
      expect(check.detail).toMatch(/version \S+ (installed|available)/);
    } else {
      expect(check.status).toBe("warn");
      expect(check.detail).toMatch(/not installed on this PostgreSQL server/);
      expect(check.fix).toMatch(/create extension vector/);
    }

    const sqlite = JSON.parse((await doctor({})).stdout) as Check[];
    expect(sqlite.map((entry) => entry.name)).not.toContain("pgvector");
  });
});
