import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore, type Store } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { dslOf, httpCallDefinition } from "../testing/graph-builder.ts";
import { WorkflowService } from "./workflow-service.ts";

/**
 * A side-effecting node's start is stored before it acts: the stub looks in the store while the
 * request is in flight, and finds the run and the node marked running. (Without it, a process
 * killed between the request leaving and that write left no trace of the call.)
 */
describe("side-effect start markers", () => {
  let store: Store;
  let drop: () => Promise<void>;
  let origin: string;
  let service: WorkflowService;
  const seen: Array<{ runRow: boolean; nodeStatus: string | undefined }> = [];
  const stub = createServer((request, response) => {
    const runId = (request.url ?? "").slice(1);
    void (async () => {
      const run = await store.db
        .selectFrom("workflow_runs")
        .select("id")
        .where("id", "=", runId)
        .executeTakeFirst();
      const node = await store.db
        .selectFrom("workflow_node_runs")
        .select("status")
        .where("run_id", "=", runId)
        .where("node_id", "=", "call")
        .executeTakeFirst();
      seen.push({ runRow: run !== undefined, nodeStatus: node?.status });
      response.end("ok");
    })();
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const fresh = freshStoreOptions("sqlite");
    drop = fresh.drop;
    store = await openStore(fresh.options);
    await ensureDefaultWorkspaces(store.db);
    // The default: a run is written only if it outlasts 20 ms, which this one does not.
    service = new WorkflowService({ db: store.db, allowedHosts: ["127.0.0.1"] });
  });
  afterAll(async () => {
    await service.close();
    await store.close();
    await drop();
    stub.close();
  });

  it("stores the run and the node's start before its HTTP request leaves", async () => {
    const workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
    const definition = httpCallDefinition({ method: "get", url: `${origin}/{{#sys.workflow_run_id#}}` });
    const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
    const lives = await Promise.all(
      Array.from({ length: 5 }, () =>
        service.start(workspace, workflow.id, { inputs: {}, triggeredFrom: "test", apiKeyId: null }),
      ),
    );
    const outcomes = await Promise.all(lives.map((live) => live.done));
    for (const outcome of outcomes) expect(outcome.outputs).toEqual({ body: "ok" });
    expect(seen).toHaveLength(5);
    for (const observation of seen) expect(observation).toEqual({ runRow: true, nodeStatus: "running" });
    // Afterwards the start is replaced by the result: one row for the node.
    const rows = await store.db
      .selectFrom("workflow_node_runs")
      .select("status")
      .where("run_id", "=", lives[0]?.identity.runId as string)
      .where("node_id", "=", "call")
      .execute();
    expect(rows.map((row) => row.status)).toEqual(["succeeded"]);
  });
});
