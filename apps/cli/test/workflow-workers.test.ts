import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey, getWorkspaceBySlug, loadConfig } from "@nexus/core";
import { type RunningNexus, startNexus } from "@nexus/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshStoreOptions,
  tempDir,
  testPostgresUrl,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import { dslOf, httpCallDefinition } from "../../../packages/workflows/src/testing/graph-builder.ts";
import { runCli, spawnCli } from "./run-cli.ts";

interface Worker {
  name: string;
  child: ChildProcess;
  runnerId: string;
  output: () => string;
}

/**
 * Scale-out end to end: a server with NEXUS_SERVE_RUNS=false only queues runs; two real
 * `nexus worker` processes (PostgreSQL + Redis) share them; one is killed with SIGKILL midway and
 * every run still finishes exactly once.
 */
describe("nexus worker processes run a server's workflow runs", { timeout: 150_000 }, () => {
  const runs = 200;
  const hits = new Map<string, number>();
  const stub = createServer((request, response) => {
    const key = request.url ?? "";
    hits.set(key, (hits.get(key) ?? 0) + 1);
    // Slow enough that the kill lands while runs are in their call; /item/slow-… outlasts a stop.
    // 500 ms: the kill below lands while a call is on its way, not in the few ms between a
    // call's answer and its result being stored (at 150 ms that gap was hit on a busy machine).
    setTimeout(() => response.end(`done ${key}`), key.includes("slow") ? 4_000 : 500);
  });
  const prefix = uniqueName("wfworkers");
  const data = tempDir();
  const fresh = freshStoreOptions("postgres");
  const schema = (fresh.options as { schema: string }).schema;
  const workers: Worker[] = [];
  let server: RunningNexus;
  let origin: string;

  const workerEnvironment = () => ({
    NEXUS_DATA_DIR: data.dir,
    NEXUS_DATABASE_URL: testPostgresUrl,
    NEXUS_DATABASE_SCHEMA: schema,
    NEXUS_REDIS_URL: testRedisUrl,
    NEXUS_REDIS_PREFIX: prefix,
    NEXUS_LOG_LEVEL: "info",
    // A killed worker's jobs move to the other within ~2 s instead of 30 s.
    NEXUS_QUEUE_LOCK_MS: "2000",
    NEXUS_WORKER_CONCURRENCY: "8",
    NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS: "127.0.0.1",
    // On SIGTERM, runs still going after 1.5 s are stopped, stored and handed back.
    NEXUS_SHUTDOWN_GRACE_MS: "1500",
  });

  const startWorker = (name: string) =>
    new Promise<Worker>((resolve, reject) => {
      const child = spawnCli(["worker"], workerEnvironment());
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk;
        const ready = /\{[^\n]*"msg":"worker ready"[^\n]*\}/.exec(output);
        if (ready) {
          const { runner } = JSON.parse(ready[0]) as { runner: string };
          resolve({ name, child, runnerId: runner, output: () => output });
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      child.once("exit", (code) => reject(new Error(`${name} exited ${code}: ${output}`)));
    });

  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const config = loadConfig({
      NEXUS_PORT: "0",
      NEXUS_DATA_DIR: data.dir,
      NEXUS_LOG_LEVEL: "warn",
      NEXUS_DISCOVERY_PORTS: "off",
      NEXUS_REDIS_URL: testRedisUrl,
      NEXUS_SERVE_RUNS: "false",
    });
    // The server migrates the schema first; the workers then find it ready.
    server = await startNexus(config, { store: fresh.options, redisPrefix: prefix });
    workers.push(...(await Promise.all([startWorker("w1"), startWorker("w2")])));
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await server?.stop();
    await fresh.drop();
    data.cleanup();
    stub.closeAllConnections();
    stub.close();
  });

  it("refuses bad worker settings with the variable named, before opening anything", async () => {
    const [lock, serveRuns] = await Promise.all([
      runCli(["worker"], { NEXUS_QUEUE_LOCK_MS: "10", NEXUS_REDIS_PREFIX: "a:b" }),
      runCli(["start"], { NEXUS_SERVE_RUNS: "false" }),
    ]);
    expect(lock.code).toBe(1);
    expect(lock.stderr).toMatch(/NEXUS_QUEUE_LOCK_MS must be between 1000 and 600000/);
    expect(lock.stderr).toMatch(/NEXUS_REDIS_PREFIX must be 1-64 letters/);
    expect(serveRuns.code).toBe(1);
    expect(serveRuns.stderr).toMatch(/NEXUS_SERVE_RUNS=false needs NEXUS_REDIS_URL/);
  });

  it("share the runs; a killed worker's runs finish exactly once; a stopped worker's runs resume on the next", async () => {
    const db = server.dependencies.store.db;
    const workspace = await getWorkspaceBySlug(db, "nexus-os");
    const { key } = await createApiKey(db, { workspaceId: workspace.id, role: "owner" });
    const call = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const definition = httpCallDefinition({
      method: "post",
      url: `${origin}/item/{{#start.n#}}`,
      startVariables: ["n"],
    });
    const imported = await call("/api/workflows/import", { yaml: dslOf(definition) });
    expect(imported.status).toBe(201);
    const workflowId = ((await imported.json()) as { workflow: { id: string } }).workflow.id;

    const replies = Array.from({ length: runs }, async (_unused, index) => {
      const response = await call(`/api/workflows/${workflowId}/runs`, {
        inputs: { n: String(index) },
        response_mode: "blocking",
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        workflow_run_id: string;
        data: { status: string; outputs: Record<string, unknown>; error?: string };
      };
    });

    /** Calls a worker has on their way: started (stored) and not finished. */
    const inCall = (worker: Worker) =>
      db
        .selectFrom("workflow_node_runs")
        .innerJoin("workflow_runs", "workflow_runs.id", "workflow_node_runs.run_id")
        .select("workflow_node_runs.id")
        .where("workflow_runs.runner_id", "=", worker.runnerId)
        .where("workflow_node_runs.status", "=", "running")
        .execute();
    // Midway: once about a third have finished, kill -9 the first worker with runs in its hands.
    const finishedRunners = () =>
      db.selectFrom("workflow_runs").select("runner_id").where("finished_at", "is not", null).execute();
    let beforeKill = await finishedRunners();
    const waitStarted = Date.now();
    while (beforeKill.length < runs / 3 && Date.now() - waitStarted < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      beforeKill = await finishedRunners();
    }
    const [w1, w2] = workers as [Worker, Worker];
    // …and while one of its calls is on its way (its start stored), however slow the machine.
    while ((await inCall(w1)).length === 0 && Date.now() - waitStarted < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    w1.child.kill("SIGKILL");
    const shareOf = (worker: Worker) =>
      beforeKill.filter((row) => row.runner_id === worker.runnerId).length / beforeKill.length;
    // Both took their share; none ran on the server (it does not serve runs).
    expect(shareOf(w1) + shareOf(w2)).toBe(1);
    expect(shareOf(w1)).toBeGreaterThanOrEqual(0.25);
    expect(shareOf(w2)).toBeGreaterThanOrEqual(0.25);

    const bodies = await Promise.all(replies);
    let interruptedTries = 0;
    for (const [index, body] of bodies.entries()) {
      expect(body.data.status, body.data.error).toBe("succeeded");
      expect(body.data.outputs).toEqual({ body: `done /item/${index}` });
      const nodes = await db
        .selectFrom("workflow_node_runs")
        .select(["status"])
        .where("run_id", "=", body.workflow_run_id)
        .where("node_id", "=", "call")
        .execute();
      const statuses = nodes.map((node) => node.status);
      const calls = hits.get(`/item/${index}`) ?? 0;
      // Exactly one recorded success; a call cut off by the kill may have reached the stub once
      // more, and then its interrupted try is on record (its start is stored before it leaves).
      expect(statuses.filter((status) => status === "succeeded")).toHaveLength(1);
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(2);
      const interrupted = statuses.filter((status) => status === "interrupted").length;
      expect(interrupted).toBeGreaterThanOrEqual(calls - 1);
      interruptedTries += interrupted;
    }
    // The kill did land mid-call: some run of w1 was taken over and resumed by w2.
    expect(interruptedTries).toBeGreaterThanOrEqual(1);
    const stored = await db
      .selectFrom("workflow_runs")
      .select(["status", "runner_id"])
      .where("workflow_id", "=", workflowId)
      .execute();
    expect(stored).toHaveLength(runs);
    expect(stored.every((row) => row.status === "succeeded")).toBe(true);
    expect(stored.every((row) => row.runner_id === w1.runnerId || row.runner_id === w2.runnerId)).toBe(true);

    // SIGTERM with runs in their call: w2 stops them with their state stored and hands their jobs
    // back; a worker started later resumes each, and the callers get the finished runs.
    const slowReplies = ["slow-1", "slow-2", "slow-3"].map(async (n) => {
      const response = await call(`/api/workflows/${workflowId}/runs`, {
        inputs: { n },
        response_mode: "blocking",
      });
      return (await response.json()) as {
        workflow_run_id: string;
        data: { status: string; outputs: Record<string, unknown>; error?: string };
      };
    });
    const slowStarted = Date.now();
    while ((await inCall(w2)).length < 3 && Date.now() - slowStarted < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const exited = new Promise((resolve) => w2.child.once("exit", resolve));
    w2.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(w2.output()).toContain("worker stopped");
    const unfinished = await db
      .selectFrom("workflow_runs")
      .select("id")
      .where("workflow_id", "=", workflowId)
      .where("finished_at", "is", null)
      .execute();
    expect(unfinished).toHaveLength(3);

    const w3 = await startWorker("w3");
    workers.push(w3);
    for (const [index, body] of (await Promise.all(slowReplies)).entries()) {
      expect(body.data.status, body.data.error).toBe("succeeded");
      expect(body.data.outputs).toEqual({ body: `done /item/slow-${index + 1}` });
      const run = await db
        .selectFrom("workflow_runs")
        .select("runner_id")
        .where("id", "=", body.workflow_run_id)
        .executeTakeFirstOrThrow();
      expect(run.runner_id).toBe(w3.runnerId);
      const tries = await db
        .selectFrom("workflow_node_runs")
        .select("status")
        .where("run_id", "=", body.workflow_run_id)
        .where("node_id", "=", "call")
        .execute();
      // The stopped try is on record; the call ran again on w3.
      expect(tries.map((node) => node.status).sort()).toEqual(["interrupted", "succeeded"]);
      expect(hits.get(`/item/slow-${index + 1}`)).toBe(2);
    }
  });
});
