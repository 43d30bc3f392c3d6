import path from "node:path";
import { openStore } from "@nexus/core";
import { createChunkIndex } from "@nexus/knowledge";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, testPostgresUrl, uniqueName } from "../../../packages/core/src/testing/test-databases.ts";
import {
  type PgliteServer,
  startPgliteServer,
} from "../../../packages/knowledge/src/testing/pglite-server.ts";
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

// PostgreSQL 18 + pgvector 0.8 in PGlite (one connection at a time): the check says when the
// extension is only available, and when Nexus searches with it.
describe("nexus doctor: pgvector in use (PGlite)", { timeout: 120_000 }, () => {
  let server: PgliteServer;
  let root: string;
  let cleanup: () => void;

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir());
    server = await startPgliteServer();
  });
  afterAll(async () => {
    await server?.stop();
    cleanup?.();
  });

  const pgvectorCheck = async () => {
    const result = await runCli(["doctor", "--json"], {
      NEXUS_DATA_DIR: path.join(root, "data"),
      NEXUS_CHROMIUM_PATH: "/bin/true",
      NEXUS_DISCOVERY_PORTS: "off",
      NEXUS_DATABASE_URL: server.url,
    });
    const checks = JSON.parse(result.stdout) as Check[];
    return checks.find((entry) => entry.name === "pgvector") as Check;
  };

  it("says pgvector is available, then that knowledge-base vectors are searched with it", async () => {
    const available = await pgvectorCheck();
    expect(available.status, available.detail).toBe("ok");
    expect(available.detail).toMatch(/version 0\.8\.\d+ available on the server/);

    // What a Nexus server does at start: the knowledge index creates the extension and its table.
    const store = await openStore({ kind: "postgres", url: server.url, poolSize: 1 });
    try {
      expect((await createChunkIndex(store)).vectorBackend).toBe("pgvector");
    } finally {
      await store.close();
    }
    const used = await pgvectorCheck();
    expect(used.status, used.detail).toBe("ok");
    expect(used.detail).toMatch(
      /version 0\.8\.\d+ installed and in use: knowledge-base vectors are searched in the database/,
    );
  });
});
