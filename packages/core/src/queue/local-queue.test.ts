import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe } from "vitest";
import { openStore, type Store } from "../store/database.ts";
import { createLocalQueue } from "./local-queue.ts";
import { runQueueContract } from "./queue.contract.ts";

const postgresUrl = process.env.NEXUS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
// Short intervals keep the suite fast; the lease still outlasts a busy two-core machine's hiccups.
const fastTimings = { pollIntervalMs: 20, leaseMs: 2_000, onError: () => {} };

describe("local queue on SQLite", () => {
  let directory = "";
  const stores: Store[] = [];

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-queue-"));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    fs.rmSync(directory, { recursive: true, force: true });
  });

  runQueueContract("local on SQLite", {
    create: async () => {
      const store = await openStore({ kind: "sqlite", file: path.join(directory, "nexus.db") });
      stores.push(store);
      return createLocalQueue({ store, ...fastTimings });
    },
  });
});

describe("local queue on PostgreSQL", () => {
  let schema = "";
  const stores: Store[] = [];

  beforeEach(() => {
    schema = `queue_test_${randomBytes(6).toString("hex")}`;
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  });

  runQueueContract("local on PostgreSQL", {
    create: async () => {
      const store = await openStore({ kind: "postgres", url: postgresUrl, schema, poolSize: 3 });
      stores.push(store);
      return createLocalQueue({ store, ...fastTimings });
    },
  });
});
