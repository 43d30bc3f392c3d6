import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { updateBrowserSettings } from "@nexus/browser";
import { createApiKey, getWorkspaceBySlug, loadConfig } from "@nexus/core";
import { type RunningNexus, startNexus } from "@nexus/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  actStep,
  extractSteps,
  processesMentioning,
} from "../../../packages/browser/src/testing/browser-test-kit.ts";
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from "../../../packages/browser/src/testing/scripted-model-server.ts";
import {
  loginPassword,
  startTestSites,
  type TestSites,
} from "../../../packages/browser/src/testing/test-sites.ts";
import {
  freshStoreOptions,
  tempDir,
  testPostgresUrl,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import { buildDefinition, dslOf } from "../../../packages/workflows/src/testing/graph-builder.ts";
import { spawnCli } from "./run-cli.ts";

interface Worker {
  name: string;
  child: ChildProcess;
  runnerId: string;
  dir: string;
}

/**
 * Browser work on `nexus worker` processes (PostgreSQL + Redis, real Chromium, the test sites, a
 * scripted model behind the gateway), with a server that runs nothing itself
 * (NEXUS_SERVE_RUNS=false) and keeps its own data directory: recorded tasks' schedule ticks and
 * queued runs run once each on a worker, their reports and screenshots served by the server; a
 * workflow run whose worker is killed between two browser nodes finishes on the other worker in
 * a session rebuilt there, signed in (cookies restored).
 */
describe("browser work on nexus worker processes", { timeout: 180_000 }, () => {
  const prefix = uniqueName("brworkers");
  const secretKey = randomBytes(32).toString("base64");
  const serverData = tempDir();
  const fresh = freshStoreOptions("postgres");
  const schema = (fresh.options as { schema: string }).schema;
  /** Workers running now; `started` keeps every one, for the cleanup. */
  const workers: Worker[] = [];
  const started: Worker[] = [];
  const directories: Array<{ dir: string; cleanup: () => void }> = [];
  let server: RunningNexus;
  let model: ScriptedModelServer;
  let sites: TestSites;
  let key: string;

  const startWorker = (name: string) =>
    new Promise<Worker>((resolve, reject) => {
      // Each worker has a data directory of its own: nothing reaches the server through a disk.
      const data = tempDir();
      directories.push(data);
      const child = spawnCli(["worker"], {
        NEXUS_DATA_DIR: data.dir,
        NEXUS_DATABASE_URL: testPostgresUrl,
        NEXUS_DATABASE_SCHEMA: schema,
        NEXUS_REDIS_URL: testRedisUrl,
        NEXUS_REDIS_PREFIX: prefix,
        NEXUS_LOG_LEVEL: "info",
        NEXUS_QUEUE_LOCK_MS: "2000",
        // On SIGTERM, runs still going after 1.5 s are stopped, stored and handed back.
        NEXUS_SHUTDOWN_GRACE_MS: "1500",
        NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: model.baseURL }]),
        NEXUS_BROWSER_MODEL: `double/${model.model}`,
        NEXUS_BROWSER_NAVIGATION_TIMEOUT_MS: "15000",
        // Saved session cookies are sealed with it: every process that may take a run over shares it.
        NEXUS_SECRET_KEY: secretKey,
      });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk;
        const ready = /\{[^\n]*"msg":"worker ready"[^\n]*\}/.exec(output);
        if (ready) {
          const { runner } = JSON.parse(ready[0]) as { runner: string };
          const worker = { name, child, runnerId: runner, dir: data.dir };
          started.push(worker);
          resolve(worker);
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      child.once("exit", (code) => reject(new Error(`${name} exited ${code}: ${output}`)));
    });

  /** A killed worker's Chromium outlives it: ended by its profile folder (some may be gone by then). */
  const killChromiumOf = async (worker: Worker) => {
    for (const pid of await processesMentioning(worker.dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  };

  const call = async (path: string, method = "GET", body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    model = await startScriptedModelServer();
    sites = await startTestSites();
    const config = loadConfig({
      NEXUS_PORT: "0",
      NEXUS_DATA_DIR: serverData.dir,
      NEXUS_LOG_LEVEL: "warn",
      NEXUS_DISCOVERY_PORTS: "off",
      NEXUS_REDIS_URL: testRedisUrl,
      NEXUS_SERVE_RUNS: "false",
      NEXUS_SECRET_KEY: secretKey,
    });
    server = await startNexus(config, { store: fresh.options, redisPrefix: prefix });
    const db = server.dependencies.store.db;
    const workspace = await getWorkspaceBySlug(db, "ai-workflow");
    key = (await createApiKey(db, { workspaceId: workspace.id, role: "owner" })).key;
    await updateBrowserSettings(db, workspace.id, { allowUrls: ["127.0.0.1"] });
    workers.push(...(await Promise.all([startWorker("w1"), startWorker("w2")])));
  }, 120_000);

  afterAll(async () => {
    for (const worker of started) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    for (const worker of started) await killChromiumOf(worker);
    await server?.stop();
    await fresh.drop();
    for (const directory of [serverData, ...directories]) directory.cleanup();
    await model?.close();
    await sites?.close();
  });

  it("runs a task's schedule ticks and queued runs on the workers, once each; the server serves their reports", async () => {
    const db = server.dependencies.store.db;
    const page = `${sites.origin}/table?from=schedule`;
    model.load(Array.from({ length: 30 }, () => extractSteps({ title: "Cities (page 1 of 3)" })).flat());
    const input = {
      name: "Read the table",
      definition: {
        startUrl: page,
        variables: [],
        steps: [{ type: "extract", instruction: "the page heading" }],
        extractionSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
      },
    };
    const created = await call("/api/browser/tasks", "POST", { ...input, schedule: "*/4 * * * * *" });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string };
    const runsOf = async () =>
      db
        .selectFrom("browser_task_runs")
        .selectAll()
        .where("task_id", "=", task.id)
        .orderBy("created_at")
        .execute();
    await vi.waitFor(
      async () =>
        expect((await runsOf()).filter((run) => run.status === "succeeded").length).toBeGreaterThanOrEqual(2),
      { timeout: 60_000, interval: 250 },
    );
    // Off the schedule; a tick already fired still runs, then nothing more comes.
    expect((await call(`/api/browser/tasks/${task.id}`, "PUT", input)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await vi.waitFor(async () => expect((await runsOf()).every((run) => run.finished_at)).toBe(true), {
      timeout: 30_000,
      interval: 250,
    });
    const ticks = await runsOf();
    // One run per tick, each reading the page once: no tick ran twice, on two workers or after a retry.
    expect(ticks.every((run) => run.status === "succeeded")).toBe(true);
    expect(sites.requests.filter((path) => path === "/table?from=schedule")).toHaveLength(ticks.length);
    const times = ticks.map((run) => Date.parse(run.created_at));
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(1_000);

    // On demand: queued by the server, run by a worker, the caller waiting on its end.
    const started = await call(`/api/browser/tasks/${task.id}/runs`, "POST", { wait: true });
    expect(started.status).toBe(200);
    const run = (await started.json()) as {
      id: string;
      status: string;
      report: { output: unknown; steps: Array<{ screenshot: string }> };
    };
    expect(run.status).toBe("succeeded");
    expect(run.report.output).toEqual({ title: "Cities (page 1 of 3)" });
    const shot = await call(`/api/browser/runs/${run.id}/screenshots/${run.report.steps[0]!.screenshot}`);
    expect(shot.status).toBe(200);
    expect(shot.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await shot.arrayBuffer()).readUInt32BE(12)).toBe(0x49484452); // IHDR
    const tickReport = (await (await call(`/api/browser/runs/${ticks[0]!.id}`)).json()) as {
      report: { output: unknown };
    };
    expect(tickReport.report.output).toEqual({ title: "Cities (page 1 of 3)" });
  });

  /**
   * open → type the password → sign in → extract, on the members site; once the extraction has
   * reached the model, `stop` takes the worker holding the run away. The run must finish on
   * another worker, in a session rebuilt there and still signed in.
   */
  async function signedInRunMoves(stop: (worker: Worker) => Promise<void>) {
    const db = server.dependencies.store.db;
    const schema = { type: "object", properties: { greeting: { type: "string" } }, required: ["greeting"] };
    // The first extraction hangs until its worker goes; the next worker's gets the next script.
    model.load([
      actStep(/textbox: Password/, "fill", [loginPassword]),
      actStep(/button: Sign in/, "click"),
      { kind: "extract", delayMs: 120_000, reply: { json: { greeting: "never sent" } } },
    ]);
    model.calls.length = 0;
    // Acts the last run cached would replay without the model: every run here asks it.
    expect((await call("/api/browser/cache", "DELETE")).status).toBe(200);
    const loginPages = () => sites.requests.filter((path) => path === "/members/login").length;
    const loginPagesBefore = loginPages();
    const chained = { session_selector: ["open", "session_id"] };
    const nodes: Array<[string, Record<string, unknown> & { type: string }]> = [
      ["start", { type: "start", variables: [] }],
      ["open", { type: "nexus-browser", action: "open", url: `${sites.origin}/members/login` }],
      ["password", { type: "nexus-browser", action: "act", instruction: "type the password", ...chained }],
      ["submit", { type: "nexus-browser", action: "act", instruction: "click Sign in", ...chained }],
      [
        "read",
        {
          type: "nexus-browser",
          action: "extract",
          instruction: "the greeting",
          schema: JSON.stringify(schema),
          ...chained,
        },
      ],
      ["end", { type: "end", outputs: [{ variable: "greeting", value_selector: ["read", "result"] }] }],
    ];
    const ids = nodes.map(([id]) => id);
    const edges = ids.slice(1).map((id, index) => [ids[index] as string, id] as [string, string]);
    const imported = await call("/api/workflows/import", "POST", {
      yaml: dslOf(buildDefinition(nodes, edges)),
    });
    expect(imported.status).toBe(201);
    const workflowId = ((await imported.json()) as { workflow: { id: string } }).workflow.id;
    const reply = call(`/api/workflows/${workflowId}/runs`, "POST", {
      inputs: {},
      response_mode: "blocking",
    });

    // Signed in, extraction asked for: the worker holding the run goes.
    await vi.waitFor(() => expect(model.calls.length).toBe(3), { timeout: 60_000, interval: 100 });
    const holder = await db
      .selectFrom("workflow_runs")
      .select(["id", "runner_id"])
      .where("workflow_id", "=", workflowId)
      .executeTakeFirstOrThrow();
    const victim = workers.find((worker) => worker.runnerId === holder.runner_id);
    if (!victim) throw new Error(`no worker ${holder.runner_id}`);
    model.load(extractSteps({ greeting: "Welcome back, alice" }));
    await stop(victim);
    workers.splice(workers.indexOf(victim), 1);

    const body = (await (await reply).json()) as {
      data: { status: string; outputs: Record<string, unknown>; error?: string };
    };
    expect(body.data.status, body.data.error).toBe("succeeded");
    expect(body.data.outputs).toEqual({ greeting: { greeting: "Welcome back, alice" } });
    // The page the next worker's model saw is the members area, signed in by the restored cookie.
    const seen = JSON.stringify(model.calls[3]);
    expect(seen).toContain("Welcome back, alice");
    expect(seen).not.toContain("Please sign in");
    // The password was sent once, from the first worker: the rebuild replays no step.
    expect(loginPages() - loginPagesBefore).toBe(2); // GET, POST
    const run = await db
      .selectFrom("workflow_runs")
      .select(["runner_id", "status"])
      .where("id", "=", holder.id)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe("succeeded");
    expect(workers.map((worker) => worker.runnerId)).toContain(run.runner_id);
    const tries = await db
      .selectFrom("workflow_node_runs")
      .select("status")
      .where("run_id", "=", holder.id)
      .where("node_id", "=", "read")
      .execute();
    expect(tries.map((node) => node.status).sort()).toEqual(["interrupted", "succeeded"]);
    // What was saved to rebuild it: the page, and the cookies sealed (the sign-in is not readable).
    const saved = await db
      .selectFrom("browser_session_states")
      .select(["url", "cookies"])
      .where("run_id", "=", holder.id)
      .execute();
    expect(saved.map((row) => row.url)).toEqual([`${sites.origin}/members`]);
    expect(saved[0]?.cookies).toMatch(/^v1\./);
    expect(saved[0]?.cookies).not.toContain("alice");
  }

  it("rebuilds a signed-in browser session on another worker when the run's worker is killed", async () => {
    await signedInRunMoves(async (worker) => {
      worker.child.kill("SIGKILL");
      await killChromiumOf(worker);
    });
  });

  it("rebuilds it as well when the worker is stopped (SIGTERM hands the run back)", async () => {
    workers.push(await startWorker("w3"));
    await signedInRunMoves(async (worker) => {
      const exited = new Promise((resolve) => worker.child.once("exit", resolve));
      worker.child.kill("SIGTERM");
      expect(await exited).toBe(0);
    });
  });
});
