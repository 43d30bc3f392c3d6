import { createApiKey, getWorkspaceBySlug, loadConfig } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshStoreOptions,
  tempDir,
  testRedisUrl,
  uniqueName,
} from "../../../packages/core/src/testing/test-databases.ts";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { insertRun } from "../../../packages/workflows/src/store/run-repository.ts";
import { buildDefinition, dslOf } from "../../../packages/workflows/src/testing/graph-builder.ts";
import { type RunningNexus, startNexus } from "../src/index.ts";
import { errorOf } from "./test-server.ts";
import { fixture } from "./workflows-helpers.ts";

/**
 * Two server replicas over one PostgreSQL schema and one Redis: runs execute on replica A (B only
 * queues them), and answers to human-input nodes and stops sent to B reach the run on A.
 */
describe("workflow runs answered and stopped from another replica", () => {
  let upstream: OpenAITestServer;
  let a: RunningNexus;
  let b: RunningNexus;
  let key: string;
  let otherKey: string;
  let workspaceId: string;
  const cleanups: Array<() => void | Promise<void>> = [];

  const call = (server: RunningNexus, path: string, init: { key: string; json?: unknown; method?: string }) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${init.key}`,
        ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  const statusOf = async (runId: string) =>
    ((await (await call(a, `/api/workflow-runs/${runId}`, { key })).json()) as { run: { status: string } })
      .run.status;
  const importOn = async (server: RunningNexus, yaml: string) => {
    const response = await call(server, "/api/workflows/import", { key, json: { yaml } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { workflow: { id: string } }).workflow.id;
  };
  /** Starts a streaming run on A and returns its first event (ids) and the stream's reader. */
  const startOnA = async (path: string, as: string, json: unknown) => {
    const response = await call(a, path, { key: as, json });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const started = JSON.parse(/data: (.*)/.exec(first)?.[1] ?? "{}") as {
      workflow_run_id: string;
      task_id: string;
    };
    return { started, reader };
  };
  const readToEnd = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
    let text = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return text;
      text += new TextDecoder().decode(chunk.value);
    }
  };

  beforeAll(async () => {
    upstream = await startOpenAITestServer({
      models: { "gpt-3.5-turbo": {}, "slow-model": { delayMs: 20_000 } },
    });
    cleanups.push(() => upstream.close());
    const database = freshStoreOptions("postgres");
    cleanups.push(() => database.drop());
    const redisPrefix = uniqueName("nexus-test");
    const start = async (env: Record<string, string>) => {
      const { dir, cleanup } = tempDir();
      cleanups.push(cleanup);
      const config = loadConfig({
        NEXUS_PORT: "0",
        NEXUS_DATA_DIR: dir,
        NEXUS_LOG_LEVEL: "error",
        NEXUS_DISCOVERY_PORTS: "off",
        NEXUS_REDIS_URL: testRedisUrl,
        NEXUS_OPENAI_UPSTREAMS: JSON.stringify([{ id: "double", baseURL: upstream.baseURL }]),
        ...env,
      });
      return startNexus(config, { store: database.options, redisPrefix });
    };
    a = await start({});
    // B takes requests but runs nothing: every run is held by A.
    b = await start({ NEXUS_SERVE_RUNS: "false" });
    const db = a.dependencies.store.db;
    const { id } = await getWorkspaceBySlug(db, "nexus-os");
    workspaceId = id;
    key = (await createApiKey(db, { workspaceId: id, role: "owner" })).key;
    const other = await getWorkspaceBySlug(db, "azi-learns-ai");
    otherKey = (await createApiKey(db, { workspaceId: other.id, role: "owner" })).key;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("answers on B a run paused on A: 400 for a bad answer, 404 elsewhere, then it finishes with the answer", async () => {
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        [
          "ask",
          {
            type: "human-input",
            title: "Approve",
            form_content: "Approve?",
            inputs: [{ output_variable_name: "comment", type: "paragraph", required: true }],
            user_actions: [{ id: "approve", title: "Approve" }],
          },
        ],
        ["end", { type: "end", outputs: [{ variable: "approved", value_selector: ["ask", "comment"] }] }],
      ],
      [
        ["s", "ask"],
        ["ask", "end", "approve"],
      ],
    );
    const workflowId = await importOn(a, dslOf(definition));
    const { started, reader } = await startOnA(`/api/workflows/${workflowId}/runs`, key, {
      inputs: {},
      response_mode: "streaming",
    });
    const runId = started.workflow_run_id;
    await expect.poll(() => statusOf(runId), { timeout: 10_000 }).toBe("paused");
    const answer = (json: unknown, as = key, id = runId) =>
      call(b, `/api/workflow-runs/${id}/human-input`, { key: as, json });

    const bad = await answer({ node_id: "ask", action: "approve", inputs: {} });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toBe("The answer has no 'comment', which the form requires");
    expect(await statusOf(runId)).toBe("paused");
    expect(
      (await answer({ node_id: "ask", action: "approve", inputs: { comment: "x" } }, otherKey)).status,
    ).toBe(404);
    expect(
      (await answer({ node_id: "ask", action: "approve", inputs: { comment: "x" } }, key, "wfr_nope")).status,
    ).toBe(404);

    const answered = await answer({ node_id: "ask", action: "approve", inputs: { comment: "from B" } });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ result: "success" });
    expect(await readToEnd(reader)).toMatch(
      /"event":"workflow_finished".*"status":"succeeded".*"approved":"from B"/,
    );
    await expect.poll(() => statusOf(runId)).toBe("succeeded");
    // Finished: the same 409 as on the replica that ran it.
    expect((await answer({ node_id: "ask", action: "approve", inputs: { comment: "again" } })).status).toBe(
      409,
    );
  });

  it("stops on B a run running on A, through the Nexus API; 404 for another workspace's key", async () => {
    const yaml = fixture("basic_llm_chat_workflow.yml").replace("gpt-3.5-turbo", "slow-model");
    const workflowId = await importOn(a, yaml);
    const { started, reader } = await startOnA(`/api/workflows/${workflowId}/runs`, key, {
      inputs: { query: "slow" },
      response_mode: "streaming",
    });
    const runId = started.workflow_run_id;
    await expect.poll(() => statusOf(runId), { timeout: 10_000 }).toBe("running");
    expect((await call(b, `/api/workflow-runs/${runId}/stop`, { key: otherKey, json: {} })).status).toBe(404);
    expect((await call(b, "/api/workflow-runs/wfr_nope/stop", { key, json: {} })).status).toBe(404);
    const stop = await call(b, `/api/workflow-runs/${runId}/stop`, { key, json: {} });
    expect(stop.status).toBe(200);
    expect(await readToEnd(reader)).toMatch(/"event":"workflow_finished".*"status":"stopped"/);
    await expect.poll(() => statusOf(runId)).toBe("stopped");
    expect((await call(b, `/api/workflow-runs/${runId}/stop`, { key, json: {} })).status).toBe(409);
  });

  it("stops on B, by task id through Dify's stop endpoints, runs and chat messages running on A", async () => {
    const publish = async (yaml: string) => {
      const workflowId = await importOn(a, yaml);
      const created = await call(a, `/api/workflows/${workflowId}/app-keys`, { key, json: {} });
      return ((await created.json()) as { key: string }).key;
    };
    const workflowKey = await publish(
      fixture("basic_llm_chat_workflow.yml").replace("gpt-3.5-turbo", "slow-model"),
    );
    const chatKey = await publish(
      fixture("basic_chatflow.yml").replace(
        /name: ''\n(\s+)provider: ''/,
        "name: slow-model\n$1provider: openai",
      ),
    );
    const cases = [
      {
        appKey: workflowKey,
        path: "/v1/workflows/run",
        stop: (task: string) => `/v1/workflows/tasks/${task}/stop`,
      },
      {
        appKey: chatKey,
        path: "/v1/chat-messages",
        stop: (task: string) => `/v1/chat-messages/${task}/stop`,
      },
    ];
    for (const { appKey, path, stop } of cases) {
      const { started, reader } = await startOnA(path, appKey, {
        inputs: { query: "slow" },
        query: "take your time",
        response_mode: "streaming",
        user: "u",
      });
      await expect.poll(() => statusOf(started.workflow_run_id), { timeout: 10_000 }).toBe("running");
      const stopped = await call(b, stop(started.task_id), { key: appKey, json: { user: "u" } });
      expect(await stopped.json()).toEqual({ result: "success" });
      expect(await readToEnd(reader)).toMatch(/"event":"workflow_finished".*"status":"stopped"/);
      await expect.poll(() => statusOf(started.workflow_run_id)).toBe("stopped");
    }
  });

  it("says so when no process holds the run: an answer is refused (503), a stop marks it stopped", async () => {
    const workflowId = await importOn(a, fixture("basic_llm_chat_workflow.yml"));
    // Rows of runs whose process is gone (a replica that died holding them).
    const orphan = async (id: string, status: "running" | "paused") => {
      await insertRun(a.dependencies.store.db, {
        id,
        workspaceId,
        workflowId,
        workflowVersion: 1,
        inputs: {},
        triggeredFrom: "app-run",
        createdAt: new Date().toISOString(),
        runnerId: "runner_gone",
      });
      if (status === "paused")
        await a.dependencies.store.db
          .updateTable("workflow_runs")
          .set({ status })
          .where("id", "=", id)
          .execute();
    };
    await orphan("wfr_orphan_paused", "paused");
    const answer = await call(b, "/api/workflow-runs/wfr_orphan_paused/human-input", {
      key,
      json: { node_id: "ask", action: "approve", inputs: {} },
    });
    expect(answer.status).toBe(503);
    expect((await errorOf(answer)).message).toMatch(/No process holds run 'wfr_orphan_paused'/);
    expect(await statusOf("wfr_orphan_paused")).toBe("paused");

    await orphan("wfr_orphan_running", "running");
    const stop = await call(b, "/api/workflow-runs/wfr_orphan_running/stop", { key, json: {} });
    expect(stop.status).toBe(200);
    expect(await statusOf("wfr_orphan_running")).toBe("stopped");
  });
});
