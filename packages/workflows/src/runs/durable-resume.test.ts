import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import { getRunWithNodes } from "../store/run-repository.ts";
import { buildDefinition, dslOf } from "../testing/graph-builder.ts";
import { WorkflowService } from "./workflow-service.ts";

const child = path.join(import.meta.dirname, "../testing/durable-run-child.ts");

function spawnChild(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", child, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/** kill -9 of the process running a workflow: another process resumes it after its last finished node. */
describe("durable runs", () => {
  const hits = { fast: 0, slow: 0 };
  let origin: string;
  const stub = createServer((request, response) => {
    const name = request.url === "/fast" ? "fast" : "slow";
    hits[name]++;
    setTimeout(() => response.end(`${name} ${hits[name]}`), name === "slow" ? 1500 : 0);
  });
  let dir: string;
  let cleanup: () => void;

  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    ({ dir, cleanup } = tempDir());
  });
  afterAll(() => {
    stub.closeAllConnections();
    stub.close();
    cleanup();
  });

  it("resumes a run killed midway: finished nodes keep their results, the interrupted call runs again and says so", {
    timeout: 60_000,
  }, async () => {
    const file = path.join(dir, "nexus.db");
    const first = spawnChild(["start", file, origin]);
    let errors = "";
    first.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    const runId = await new Promise<string>((resolve, reject) => {
      let output = "";
      first.stdout.on("data", (chunk) => {
        output += chunk;
        const match = /ready (\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
      first.once("exit", (code) => reject(new Error(`child exited ${code}: ${errors}`)));
    });
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    expect(hits).toEqual({ fast: 1, slow: 1 });

    await new Promise((resolve) => setTimeout(resolve, 600));
    const second = spawnChild(["recover", file]);
    let output = "";
    second.stdout.on("data", (chunk) => {
      output += chunk;
    });
    second.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    const code = await new Promise((resolve) => second.once("exit", resolve));
    expect(code, errors).toBe(0);
    const [resumed] = JSON.parse(output) as Array<{
      runId: string;
      outcome: { status: string; outputs: Record<string, unknown> };
    }>;
    expect(resumed?.runId).toBe(runId);
    expect(resumed?.outcome).toMatchObject({
      status: "succeeded",
      outputs: { fast: "fast 1", slow: "slow 2" },
    });
    // The fast call ran once; the slow one, cut off midway, ran again.
    expect(hits).toEqual({ fast: 1, slow: 2 });

    const store = await openStore({ kind: "sqlite", file });
    try {
      const run = await getRunWithNodes(
        store.db,
        (
          await store.db
            .selectFrom("workspaces")
            .select("id")
            .where("slug", "=", "nexus-os")
            .executeTakeFirstOrThrow()
        ).id,
        runId,
      );
      expect(run.status).toBe("succeeded");
      const byNode = (id: string) =>
        run.nodes.filter((node) => node.nodeId === id).map((node) => node.status);
      expect(byNode("start")).toEqual(["succeeded"]);
      expect(byNode("fast")).toEqual(["succeeded"]);
      expect(byNode("slow").sort()).toEqual(["interrupted", "succeeded"]);
      const rows = await store.db
        .selectFrom("workflow_node_runs")
        .select(["node_id", "status", "note"])
        .where("run_id", "=", runId)
        .execute();
      expect(rows.find((row) => row.node_id === "slow" && row.status === "succeeded")?.note).toMatch(
        /ran again/,
      );
    } finally {
      await store.close();
    }
  });

  it("a graceful shutdown leaves running runs for the next process, which resumes them at once", async () => {
    const file = path.join(dir, "graceful.db");
    const store = await openStore({ kind: "sqlite", file });
    try {
      await ensureDefaultWorkspaces(store.db);
      const workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
      const definition = buildDefinition(
        [
          ["start", { type: "start", variables: [] }],
          [
            "call",
            {
              type: "http-request",
              title: "Call",
              method: "get",
              url: `${origin}/slow`,
              headers: "",
              params: "",
              body: { type: "none", data: [] },
              authorization: { type: "no-auth" },
              timeout: { connect: 10, read: 30, write: 10 },
            },
          ],
          ["end", { type: "end", outputs: [{ variable: "body", value_selector: ["call", "body"] }] }],
        ],
        [
          ["start", "call"],
          ["call", "end"],
        ],
      );
      const before = hits.slow;
      const first = new WorkflowService({ db: store.db, allowedHosts: ["127.0.0.1"] });
      const { workflow } = await first.importWorkflow(workspace, dslOf(definition));
      const live = await first.start(workspace, workflow.id, {
        inputs: {},
        triggeredFrom: "test",
        apiKeyId: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.close();
      expect((await live.done).error).toMatch(/resumes on the next one/);
      expect((await getRunWithNodes(store.db, workspace, live.identity.runId)).status).toBe("running");

      const next = new WorkflowService({ db: store.db, allowedHosts: ["127.0.0.1"] });
      expect(await next.recover()).toEqual([live.identity.runId]);
      const outcome = await next.liveRun(workspace, live.identity.runId)?.done;
      expect(outcome?.status).toBe("succeeded");
      expect(hits.slow - before).toBe(2);
      const run = await getRunWithNodes(store.db, workspace, live.identity.runId);
      expect(
        run.nodes
          .filter((node) => node.nodeId === "call")
          .map((node) => node.status)
          .sort(),
      ).toEqual(["interrupted", "succeeded"]);
      await next.close();
    } finally {
      await store.close();
    }
  });
});
