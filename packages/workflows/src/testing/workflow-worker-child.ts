/**
 * A workflow worker process for runs/queued-runs.test.ts: `<postgres url> <schema> <redis url>
 * <prefix> <name>` serves the workflow-runs queue (BullMQ, short locks so a killed worker's job
 * moves on quickly) until killed. Prints `ready <name> <runner id>` once serving.
 */
import { createEventBus, createQueue, openStore } from "@nexus/core";
import { serveWorkflowRuns } from "../runs/queued-runs.ts";
import { WorkflowService } from "../runs/workflow-service.ts";

const [url, schema, redisUrl, prefix, name] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const store = await openStore({ kind: "postgres", url, schema, poolSize: 4 });
const queue = await createQueue({
  redisUrl,
  prefix,
  store,
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
  maxStalls: 3,
});
const events = await createEventBus({ redisUrl, prefix });
const service = new WorkflowService({
  db: store.db,
  allowedHosts: ["127.0.0.1"],
  dispatch: { queue, events },
  recordAfterMs: 0,
  onError: (error, context) => console.error(name, context, error),
});
serveWorkflowRuns(queue, service, { concurrency: 8 });
console.log(`ready ${name} ${service.runnerId}`);
