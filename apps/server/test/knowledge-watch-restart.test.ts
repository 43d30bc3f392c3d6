import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { createApiKey, createLogger, getWorkspaceBySlug, loadConfig } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, testRedisUrl, uniqueName } from "../../../packages/core/src/testing/test-databases.ts";
import { type RunningNexus, startNexus } from "../src/index.ts";
import { errorOf } from "./test-server.ts";

interface Watch {
  id: string;
  folder: string;
  ownerId: string | null;
}

/**
 * Watched folders are stored: a server started again on the same SQLite file and data directory
 * resumes them by itself and catches up on what changed while it was down; a removed watch stays
 * removed.
 */
describe("knowledge watched folders across a restart", { timeout: 120_000 }, () => {
  const data = tempDir("nexus-watch-restart-");
  const folders = tempDir("nexus-watched-");
  const storeFile = path.join(data.dir, "nexus.db");
  const kept = path.join(folders.dir, "kept");
  const dropped = path.join(folders.dir, "dropped");
  let nexus: RunningNexus | undefined;
  let owner = "";
  let member = "";

  /** A server on the same SQLite file and data directory; `frontEnd`: NEXUS_SERVE_RUNS=false. */
  async function start(frontEnd = false): Promise<RunningNexus> {
    const config = loadConfig({
      NEXUS_PORT: "0",
      NEXUS_DATA_DIR: data.dir,
      NEXUS_LOG_LEVEL: "warn",
      NEXUS_DISCOVERY_PORTS: "off",
      ...(frontEnd ? { NEXUS_SERVE_RUNS: "false", NEXUS_REDIS_URL: testRedisUrl } : {}),
    });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    return startNexus(config, {
      logger: createLogger("warn", sink),
      store: { kind: "sqlite", file: storeFile },
      ...(frontEnd ? { redisPrefix: uniqueName("nexus-watch") } : {}),
    });
  }
  const call = (route: string, init: { method?: string; json?: unknown; key?: string } = {}) =>
    fetch(`${nexus?.url}${route}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${init.key ?? owner}`,
        ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  const found = async (query: string) => {
    const response = await call("/api/knowledge/search", {
      method: "POST",
      json: { knowledgeBaseIds: ["watched"], query, mode: "fulltext" },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { hits: unknown[] }).hits.length > 0;
  };
  async function until(query: string, present: boolean, timeoutMs = 15_000) {
    const started = Date.now();
    while ((await found(query)) !== present) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`'${query}' still ${present ? "missing" : "found"} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };

  beforeAll(async () => {
    fs.mkdirSync(kept);
    fs.mkdirSync(dropped);
    nexus = await start();
    const { db } = nexus.dependencies.store;
    const { id } = await getWorkspaceBySlug(db, "ai-workflow");
    owner = (await createApiKey(db, { workspaceId: id, role: "owner" })).key;
    member = (await createApiKey(db, { workspaceId: id, role: "member" })).key;
  });
  afterAll(async () => {
    await nexus?.stop();
    data.cleanup();
    folders.cleanup();
  });

  it("checks the folder: absolute, existing, a directory, watched once, by an admin", async () => {
    expect(
      (await call("/api/knowledge/datasets", { method: "POST", json: { name: "watched" } })).status,
    ).toBe(201);
    const post = (json: unknown, key = owner, base = "watched") =>
      call(`/api/knowledge/datasets/${base}/watches`, { method: "POST", json, key });
    for (const [body, pattern] of [
      [{ folder: "relative/notes" }, /absolute/],
      [{ folder: path.join(folders.dir, "missing") }, /does not exist/],
      [{ folder: storeFile }, /not a directory/],
      [{}, /folder/],
      [{ folder: kept, debounceMs: -5 }, /debounceMs/],
    ] as const) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(response);
      expect(error.type).toBe("invalid_request");
      expect(error.message).toMatch(pattern);
    }
    expect((await post({ folder: kept }, member)).status).toBe(403);
    expect((await post({ folder: kept }, owner, "no-such-base")).status).toBe(404);
  });

  it("resumes a stored watch after a restart, catching up on changes made while down", async () => {
    write(path.join(kept, "alpha.txt"), "Alpha notes about the giraffe enclosure.");
    write(path.join(kept, "sub", "bravo.md"), "# Bravo\n\nThe penguin colony census.");
    write(path.join(dropped, "delta.txt"), "Delta notes about the otter pool.");

    const created = await call("/api/knowledge/datasets/watched/watches", {
      method: "POST",
      json: { folder: kept, debounceMs: 50 },
    });
    expect(created.status).toBe(201);
    const watch = (await created.json()) as Watch;
    expect(watch.folder).toBe(kept);
    expect(watch.ownerId).not.toBeNull();
    const again = await call("/api/knowledge/datasets/watched/watches", {
      method: "POST",
      json: { folder: kept },
    });
    expect(again.status).toBe(409);

    const other = (await (
      await call("/api/knowledge/datasets/watched/watches", { method: "POST", json: { folder: dropped } })
    ).json()) as Watch;
    await until("giraffe", true);
    await until("penguin", true);
    await until("otter", true);
    const removed = await call(`/api/knowledge/datasets/watched/watches/${other.id}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect(
      (await call(`/api/knowledge/datasets/watched/watches/${other.id}`, { method: "DELETE" })).status,
    ).toBe(404);
    // A removed watch stops at once in the process that ran it.
    write(path.join(dropped, "echo.txt"), "Echo notes about the lemur house.");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await found("lemur")).toBe(false);

    await nexus?.stop();
    nexus = undefined;
    // While no server runs: a changed file, a removed one, a new one (also in the removed watch's folder).
    write(path.join(kept, "alpha.txt"), "Alpha notes about the walrus beach.");
    fs.rmSync(path.join(kept, "sub", "bravo.md"));
    write(path.join(kept, "sub", "charlie.txt"), "Charlie notes about the flamingo lagoon.");
    write(path.join(dropped, "foxtrot.txt"), "Foxtrot notes about the narwhal tank.");

    nexus = await start();
    await until("walrus", true);
    await until("flamingo", true);
    await until("giraffe", false);
    await until("penguin", false);
    // And the resumed watch is live, not just a one-time catch-up.
    write(path.join(kept, "golf.txt"), "Golf notes about the pelican pier.");
    await until("pelican", true);
    expect(await found("narwhal")).toBe(false);
    expect(await found("lemur")).toBe(false);

    const list = (await (await call("/api/knowledge/datasets/watched/watches")).json()) as { data: Watch[] };
    expect(list.data.map((row) => row.id)).toEqual([watch.id]);
    expect(list.data[0]?.ownerId).not.toBeNull();
  });

  it("leaves watches alone in a server that does not serve ingestion (NEXUS_SERVE_RUNS=false)", async () => {
    await nexus?.stop();
    nexus = await start(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const list = (await (await call("/api/knowledge/datasets/watched/watches")).json()) as { data: Watch[] };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.ownerId).toBeNull();
  });
});
