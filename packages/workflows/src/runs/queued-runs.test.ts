import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import {
  createEventBus,
  createQueue,
  type EventBus,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Queue,
  type Store,
} from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  freshStoreOptions,
  testPostgresUrl,
  testRedisUrl,
  uniqueName,
} from "../../../core/src/testing/test-databases.ts";
import { getRunWithNodes } from "../store/run-repository.ts";
import { approvalDefinition, buildDefinition, dslOf, httpCallDefinition } from "../testing/graph-builder.ts";
import { WorkflowService } from "./workflow-service.ts";

const workerScript = path.join(import.meta.dirname, "../testing/workflow-worker-child.ts");

/** Runs on `nexus worker`-style processes through BullMQ: two real worker processes share the runs. */
describe("workflow runs on worker processes (Redis, PostgreSQL)", () => {
  const hits = new Map<string, number>();
  const stub = createServer((request, response) => {
    const key = request.url ?? "";
    hits.set(key, (hits.get(key) ?? 0) + 1);
    setTimeout(() => response.end(`done ${key}`), 300);
  });
  let origin: string;
  let store: Store;
  let drop: () => Promise<void>;
  let queue: Queue;
  let events: EventBus;
  let service: WorkflowService;
  let workspace: string;
  const workers: ChildProcess[] = [];
  /** Each worker's runner id, as recorded on the runs it runs. */
  const runners = new Map<string, string>();
  const prefix = uniqueName("wfq");
  let schema: string;

  const startWorker = (name: string) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", workerScript, testPostgresUrl, schema, testRedisUrl, prefix, name],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      workers.push(child);
      let errors = "";
      child.stderr?.on("data", (chunk) => {
        errors += chunk;
        process.stderr.write(`[${name}] ${chunk}`);
      });
      child.stdout?.on("data", (chunk) => {
        const ready = new RegExp(`ready ${name} (\\S+)`).exec(String(chunk));
        if (ready) {
          runners.set(name, ready[1] as string);
          resolve(child);
        }
      });
      child.once("exit", (code) => reject(new Error(`worker ${name} exited ${code}: ${errors}`)));
    });

  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const fresh = freshStoreOptions("postgres");
    drop = fresh.drop;
    schema = (fresh.options as { schema: string }).schema;
    store = await openStore(fresh.options);
    await ensureDefaultWorkspaces(store.db);
    workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
    queue = await createQueue({ redisUrl: testRedisUrl, prefix, store });
    events = await createEventBus({ redisUrl: testRedisUrl, prefix });
    service = new WorkflowService({ db: store.db, dispatch: { queue, events } });
    await Promise.all([startWorker("w1"), startWorker("w2")]);
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
    await service?.close();
    await queue?.close();
    await events?.close();
    await store?.close();
    await drop?.();
    stub.closeAllConnections();
    stub.close();
  });

  it("a run paused at a human-input node on a worker is answered through this process", {
    timeout: 30_000,
  }, async () => {
    const definition = approvalDefinition();
    const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
    const live = await service.start(workspace, workflow.id, {
      inputs: {},
      triggeredFrom: "test",
      apiKeyId: null,
    });
    await vi.waitFor(
      () => expect(live.events.map((event) => event.event)).toContain("human_input_required"),
      20_000,
    );
    const runId = live.identity.runId;
    // It waits on a worker process, not here.
    const row = await store.db
      .selectFrom("workflow_runs")
      .select(["runner_id", "status"])
      .where("id", "=", runId)
      .executeTakeFirstOrThrow();
    expect([...runners.values()]).toContain(row.runner_id);
    expect(row.status).toBe("paused");
    // Nothing waits for another node, and another workspace cannot answer.
    expect(service.answerHumanInput(workspace, runId, "s", { values: {} })).toBe(false);
    expect(
      service.answerHumanInput("another-workspace", runId, "ask", {
        action: "approve",
        values: { comment: "x" },
      }),
    ).toBe(false);
    // An answer the form cannot take is refused here, with the reason, before it goes to the worker.
    expect(() =>
      service.answerHumanInput(workspace, runId, "ask", { action: "approve", values: {} }),
    ).toThrow("The answer has no 'comment', which the form requires");
    expect(
      service.answerHumanInput(workspace, runId, "ask", {
        action: "approve",
        values: { comment: "ship it" },
      }),
    ).toBe(true);
    expect(await live.done).toMatchObject({ status: "succeeded", outputs: { approved: "ship it" } });
    expect(service.answerHumanInput(workspace, runId, "ask", { action: "approve", values: {} })).toBe(false);
  });

  it("two workers share the runs, events stream back, and a killed worker's runs finish exactly once", {
    timeout: 90_000,
  }, async () => {
    const definition = httpCallDefinition({
      method: "get",
      url: `${origin}/item/{{#start.n#}}`,
      startVariables: ["n"],
    });
    const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
    const runAll = (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_unused, offset) =>
          service.start(workspace, workflow.id, {
            inputs: { n: String(from + offset) },
            triggeredFrom: "test",
            apiKeyId: null,
          }),
        ),
      );
    const runnerOf = async (runId: string) =>
      (
        await store.db
          .selectFrom("workflow_runs")
          .select("runner_id")
          .where("id", "=", runId)
          .executeTakeFirstOrThrow()
      ).runner_id;

    // Both workers take runs (8 at a time each; 40 runs of 300 ms arrive at once).
    const first = await runAll(0, 40);
    const firstOutcomes = await Promise.all(first.map((live) => live.done));
    for (const [index, outcome] of firstOutcomes.entries()) {
      expect(outcome.outputs).toEqual({ body: `done /item/${index}` });
    }
    expect(first[0]?.events.map((event) => event.event)).toEqual([
      "workflow_started",
      "node_started",
      "node_finished",
      "node_started",
      "node_finished",
      "node_started",
      "node_finished",
      "workflow_finished",
    ]);
    const shares = new Map<string | null, number>();
    for (const live of first) {
      const runner = await runnerOf(live.identity.runId);
      shares.set(runner, (shares.get(runner) ?? 0) + 1);
    }
    expect(shares.size).toBe(2);
    for (const count of shares.values()) expect(count).toBeGreaterThanOrEqual(8);

    // kill -9 one worker with runs in flight: the other finishes them, each exactly once.
    // The kill lands once w1 has a call on its way (its start stored), however slow the machine.
    const second = runAll(40, 30);
    const inCall = () =>
      store.db
        .selectFrom("workflow_node_runs")
        .innerJoin("workflow_runs", "workflow_runs.id", "workflow_node_runs.run_id")
        .select("workflow_node_runs.id")
        .where("workflow_runs.runner_id", "=", runners.get("w1") as string)
        .where("workflow_node_runs.status", "=", "running")
        .executeTakeFirst();
    const waitStarted = Date.now();
    while (!(await inCall()) && Date.now() - waitStarted < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    workers[0]?.kill("SIGKILL");
    const lives = await second;
    let interruptedTries = 0;
    const outcomes = await Promise.all(lives.map((live) => live.done));
    for (const [offset, outcome] of outcomes.entries()) {
      expect(outcome.status, outcome.error).toBe("succeeded");
      expect(outcome.outputs).toEqual({ body: `done /item/${40 + offset}` });
      const run = await getRunWithNodes(store.db, workspace, lives[offset]?.identity.runId as string);
      expect(run.status).toBe("succeeded");
      const calls = run.nodes.filter((node) => node.nodeId === "call");
      const count = hits.get(`/item/${40 + offset}`) ?? 0;
      // A call cut off by the kill may run once more (at most), and then its history shows the
      // interrupted try: the try's start is stored before its request leaves. (A start stored
      // just before the kill, with no request sent yet, is an interrupted try with one call.)
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(2);
      expect(calls.filter((node) => node.status === "succeeded")).toHaveLength(1);
      if (count === 2) expect(calls.map((node) => node.status).sort()).toEqual(["interrupted", "succeeded"]);
      else expect(calls.length).toBeLessThanOrEqual(2);
      if (calls.length > 1)
        expect(calls.map((node) => node.status).sort()).toEqual(["interrupted", "succeeded"]);
      interruptedTries += calls.length - 1;
    }
    // The kill landed while some of its runs were in their call: their tries are on record.
    expect(interruptedTries).toBeGreaterThanOrEqual(1);
  });
});
