/**
 * A workflow process for the durability test (runs/durable-resume.test.ts), run as a real child
 * process: `start <sqlite file> <stub origin>` starts a run and prints `ready <runId>` once its
 * first HTTP node finished and the second started (then waits to be killed);
 * `recover <sqlite file>` takes the dead process's run over and prints its outcome as JSON.
 */
import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore } from "@nexus/core";
import { WorkflowService } from "../runs/workflow-service.ts";
import { buildDefinition, dslOf } from "./graph-builder.ts";

const [mode, file, origin] = process.argv.slice(2);
const store = await openStore({ kind: "sqlite", file: file as string });
await ensureDefaultWorkspaces(store.db);
const workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
const service = new WorkflowService({
  db: store.db,
  allowedHosts: ["127.0.0.1"],
  recordAfterMs: 0,
  heartbeatMs: 100,
  staleAfterMs: 400,
});

const http = (path: string) => ({
  type: "http-request",
  method: "get",
  url: `${origin}${path}`,
  headers: "",
  params: "",
  body: { type: "none", data: [] },
  authorization: { type: "no-auth" },
  timeout: { connect: 10, read: 30, write: 10 },
});

if (mode === "start") {
  const definition = buildDefinition(
    [
      ["start", { type: "start", variables: [] }],
      ["fast", { ...http("/fast"), title: "Fast call" }],
      ["slow", { ...http("/slow"), title: "Slow call" }],
      [
        "end",
        {
          type: "end",
          outputs: [
            { variable: "fast", value_selector: ["fast", "body"] },
            { variable: "slow", value_selector: ["slow", "body"] },
          ],
        },
      ],
    ],
    [
      ["start", "fast"],
      ["fast", "slow"],
      ["slow", "end"],
    ],
  );
  const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
  const live = await service.start(workspace, workflow.id, {
    inputs: {},
    triggeredFrom: "test",
    apiKeyId: null,
  });
  live.follow(
    0,
    (event) => {
      if (event.event === "node_started" && (event.data as { node_id: string }).node_id === "slow") {
        // Give the recorder a moment to write the slow node's start marker, then announce.
        setTimeout(() => console.log(`ready ${live.identity.runId}`), 300);
      }
    },
    () => {},
  );
  await new Promise(() => {});
} else {
  const resumed = await service.recover();
  const outcomes = [];
  for (const runId of resumed)
    outcomes.push({ runId, outcome: await service.liveRun(workspace, runId)?.done });
  console.log(JSON.stringify(outcomes));
  await service.close();
  await store.close();
}
