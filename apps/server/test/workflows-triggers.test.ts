import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, errorOf, startTestServer, type TestServer } from "./test-server.ts";
import { fixture } from "./workflows-helpers.ts";

/** Triggers: webhook, cron (once per tick) and event (a core.events topic), on each backend. */
describe.each([
  { store: "sqlite", redis: false },
  { store: "postgres", redis: true },
] as Backend[])("workflow triggers on $store (redis: $redis)", (backend) => {
  let server: TestServer;
  let key: string;
  let workflowId: string;

  const runs = async () =>
    (
      (await (await server.call(`/api/workflows/${workflowId}/runs`, { key })).json()) as {
        data: Array<{ triggeredFrom: string; status: string; outputs: Record<string, unknown> }>;
      }
    ).data;
  const waitFor = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error("timed out waiting");
  };

  beforeAll(async () => {
    server = await startTestServer(backend);
    key = await server.key("ai-workflow");
    const imported = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: fixture("simple_passthrough_workflow.yml") },
    });
    workflowId = ((await imported.json()) as { workflow: { id: string } }).workflow.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("a webhook URL runs the workflow with its body as inputs", async () => {
    const created = await server.call(`/api/workflows/${workflowId}/triggers`, {
      method: "POST",
      key,
      json: { kind: "webhook" },
    });
    expect(created.status).toBe(201);
    const { url, trigger } = (await created.json()) as { url: string; trigger: { id: string } };
    expect(url).toMatch(/^\/hooks\/workflows\/whk_/);
    const fired = await server.call(url, { method: "POST", json: { query: "from a webhook" } });
    expect(fired.status).toBe(200);
    expect(((await fired.json()) as { data: { outputs: unknown } }).data.outputs).toEqual({
      query: "from a webhook",
    });
    expect((await runs()).some((run) => run.triggeredFrom === "webhook")).toBe(true);
    expect(
      (await server.call("/hooks/workflows/whk_nosuchwebhookatallxx", { method: "POST", json: {} })).status,
    ).toBe(404);
    expect(
      (await server.call(`/api/workflows/${workflowId}/triggers/${trigger.id}`, { method: "DELETE", key }))
        .status,
    ).toBe(204);
    expect((await server.call(url, { method: "POST", json: { query: "x" } })).status).toBe(404);
  });

  it("a cron trigger runs on its ticks; an event trigger runs once per event", async () => {
    const cron = await server.call(`/api/workflows/${workflowId}/triggers`, {
      method: "POST",
      key,
      json: { kind: "cron", cron: "* * * * * *", inputs: { query: "tick" } },
    });
    expect(cron.status).toBe(201);
    const cronId = ((await cron.json()) as { trigger: { id: string } }).trigger.id;
    await waitFor(async () =>
      (await runs()).some((run) => run.triggeredFrom === "cron" && run.outputs?.query === "tick"),
    );
    await server.call(`/api/workflows/${workflowId}/triggers/${cronId}`, { method: "DELETE", key });

    const event = await server.call(`/api/workflows/${workflowId}/triggers`, {
      method: "POST",
      key,
      json: { kind: "event", topic: "orders.created" },
    });
    expect(event.status).toBe(201);
    await server.nexus.dependencies.events.publish("orders.created", { query: "order 42" });
    await waitFor(async () =>
      (await runs()).some((run) => run.triggeredFrom === "event" && run.outputs?.query === "order 42"),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await runs()).filter((run) => run.triggeredFrom === "event")).toHaveLength(1);

    // A workflow's emit-event node starts the event-triggered one (Motia's chained steps).
    const emitter = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: {
        yaml: `app:
  mode: workflow
  name: emitter
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
    - id: s
      data: { type: start, title: Start, variables: [{ variable: order, type: text-input, required: true }] }
    - id: emit
      data: { type: emit-event, title: Emit, topic: orders.created, payload: { query: "emitted {{#s.order#}}" } }
    edges:
    - { source: s, target: emit }
`,
      },
    });
    const emitterId = ((await emitter.json()) as { workflow: { id: string } }).workflow.id;
    const emitted = await server.call(`/api/workflows/${emitterId}/runs`, {
      method: "POST",
      key,
      json: { inputs: { order: "7" }, response_mode: "blocking" },
    });
    expect(((await emitted.json()) as { data: { status: string } }).data.status).toBe("succeeded");
    await waitFor(async () =>
      (await runs()).some((run) => run.triggeredFrom === "event" && run.outputs?.query === "emitted 7"),
    );

    const badCron = await server.call(`/api/workflows/${workflowId}/triggers`, {
      method: "POST",
      key,
      json: { kind: "cron", cron: "every day" },
    });
    expect(badCron.status).toBe(400);
    expect((await errorOf(badCron)).message).toMatch(/cron/);
    const badTopic = await server.call(`/api/workflows/${workflowId}/triggers`, {
      method: "POST",
      key,
      json: { kind: "event", topic: "has spaces" },
    });
    expect(badTopic.status).toBe(400);
    const other = await server.key("agentx");
    expect(
      (
        await server.call(`/api/workflows/${workflowId}/triggers`, {
          method: "POST",
          key: other,
          json: { kind: "webhook" },
        })
      ).status,
    ).toBe(404);
  });
});
