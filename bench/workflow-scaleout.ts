/**
 * Scale-out and faults: with PostgreSQL and Redis, two real `nexus worker` processes share N runs
 * (default 5,000) of a workflow with a 50 ms http-request node (to a local stub that counts its
 * calls), queued by a dispatcher that runs none itself (what a server with NEXUS_SERVE_RUNS=false
 * does); one worker is killed with SIGKILL once half the runs have finished. Reports each
 * worker's share before the kill and overall, runs finished exactly once, and side effects at the
 * stub (a call repeats only when its worker died during it, and that run's history says so).
 * Target: each worker ≥ 30% of the runs before the kill, every run finished once.
 *
 *   npx tsx bench/workflow-scaleout.ts [--runs 5000]
 */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createEventBus,
  createQueue,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
} from "@nexus/core";
import { WorkflowService } from "@nexus/workflows";
import {
  freshStoreOptions,
  tempDir,
  testPostgresUrl,
  testRedisUrl,
  uniqueName,
} from "../packages/core/src/testing/test-databases.ts";
import { dslOf, httpCallDefinition } from "../packages/workflows/src/testing/graph-builder.ts";
import { machineLine, startProcess } from "./bench-processes.ts";

const runsArg = process.argv.indexOf("--runs");
const total = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5000;

const hits = new Map<string, number>();
const stub = createServer((request, response) => {
  hits.set(request.url ?? "", (hits.get(request.url ?? "") ?? 0) + 1);
  setTimeout(() => response.end("ok"), 50);
});
await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
const fresh = freshStoreOptions("postgres");
const schema = (fresh.options as { schema: string }).schema;
const store = await openStore({ ...fresh.options, poolSize: 16 } as typeof fresh.options);
await ensureDefaultWorkspaces(store.db);
const workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
const prefix = uniqueName("wfbench");
const queue = await createQueue({ redisUrl: testRedisUrl, prefix, store });
const events = await createEventBus({ redisUrl: testRedisUrl, prefix });
const service = new WorkflowService({ db: store.db, dispatch: { queue, events } });
const data = tempDir();
const workers: Array<{ name: string; runner: string; child: ChildProcess }> = [];
const startWorker = async (name: string) => {
  const { child, match } = await startProcess(name, ["apps/cli/bin/nexus.js", "worker"], {
    env: {
      NEXUS_DATA_DIR: data.dir,
      NEXUS_DATABASE_URL: testPostgresUrl,
      NEXUS_DATABASE_SCHEMA: schema,
      NEXUS_REDIS_URL: testRedisUrl,
      NEXUS_REDIS_PREFIX: prefix,
      NEXUS_LOG_LEVEL: "info",
      NEXUS_DISCOVERY_PORTS: "off",
      NEXUS_QUEUE_LOCK_MS: "5000",
      NEXUS_WORKFLOW_HTTP_ALLOWED_HOSTS: "127.0.0.1",
    },
    ready: /"runner":"([^"]+)"[^\n]*"msg":"worker ready"/,
    announcesOn: "stdout",
  });
  workers.push({ name, runner: match?.[1] ?? "?", child });
};
const sharesOf = (rows: Array<{ runner_id: string | null }>) =>
  [...workers]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((worker) => {
      const count = rows.filter((row) => row.runner_id === worker.runner).length;
      return `${worker.name} ${count} (${((count / Math.max(rows.length, 1)) * 100).toFixed(0)}%)`;
    })
    .join(", ");

try {
  console.log(`workflow-scaleout: ${machineLine()}, ${total} runs`);
  await Promise.all([startWorker("w1"), startWorker("w2")]);
  const definition = httpCallDefinition({
    method: "post",
    url: `${origin}/{{#start.n#}}`,
    startVariables: ["n"],
  });
  const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
  // Once half the runs have finished (while runs are still being queued, if queuing is slower).
  const finishedByRunner = () =>
    store.db
      .selectFrom("workflow_runs")
      .select(["runner_id", (eb) => eb.fn.countAll<number>().as("count")])
      .where("finished_at", "is not", null)
      .groupBy("runner_id")
      .execute();
  const killed = (async () => {
    for (;;) {
      const counts = await finishedByRunner();
      const finished = counts.reduce((sum, row) => sum + Number(row.count), 0);
      if (finished >= total / 2) {
        workers.find((worker) => worker.name === "w1")?.child.kill("SIGKILL");
        const rows = counts.flatMap((row) => Array(Number(row.count)).fill({ runner_id: row.runner_id }));
        console.log(`before the kill of w1: ${finished} finished; ${sharesOf(rows)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = Date.now();
  const lives = [];
  for (let index = 0; index < total; index++) {
    lives.push(
      await service.start(workspace, workflow.id, {
        inputs: { n: String(index) },
        triggeredFrom: "bench",
        apiKeyId: null,
      }),
    );
  }
  await killed;
  const outcomes = await Promise.all(lives.map((live) => live.done));
  const seconds = (Date.now() - started) / 1000;
  const succeeded = outcomes.filter((outcome) => outcome.status === "succeeded").length;
  const rows = await store.db
    .selectFrom("workflow_runs")
    .select(["id", "runner_id", "status", "error"])
    .where("workflow_id", "=", workflow.id)
    .execute();
  for (const row of rows.filter((run) => run.status !== "succeeded")) {
    console.log(`not succeeded: run ${row.id} on ${row.runner_id}: ${row.status}: ${row.error}`);
  }
  const successes = await store.db
    .selectFrom("workflow_node_runs")
    .select(["run_id", (eb) => eb.fn.countAll<number>().as("count")])
    .where("node_id", "=", "call")
    .where("status", "=", "succeeded")
    .groupBy("run_id")
    .execute();
  const once = successes.filter((row) => Number(row.count) === 1).length;
  let repeated = 0;
  let missing = 0;
  for (let index = 0; index < total; index++) {
    const count = hits.get(`/${index}`) ?? 0;
    if (count === 0) missing++;
    if (count > 1) repeated++;
  }
  const interrupted = await store.db
    .selectFrom("workflow_node_runs")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("status", "=", "interrupted")
    .executeTakeFirst();
  console.log(
    `${succeeded}/${total} runs succeeded in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} runs/s); overall ${sharesOf(rows)}`,
  );
  console.log(
    `exactly once: ${rows.length} run rows, ${rows.filter((row) => row.status === "succeeded").length} succeeded, ${once} with exactly one recorded call result (${successes.length - once} with more)`,
  );
  console.log(
    `side effects: ${missing} runs never called the stub, ${repeated} called it twice (their worker died mid-call); ${Number(interrupted?.count ?? 0)} interrupted tries recorded`,
  );
} finally {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await service.close();
  await queue.close();
  await events.close();
  await store.close();
  await fresh.drop();
  data.cleanup();
  stub.close();
}
