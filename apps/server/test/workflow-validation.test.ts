import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsFixtures } from "../../../packages/workflows/src/testing/settings-fixtures.ts";
import { errorOf, startTestServer, type TestServer } from "./test-server.ts";
import { fixture } from "./workflows-helpers.ts";

/**
 * Hostile DSLs through the HTTP API: node settings of the wrong types and list settings pointing
 * at text are refused at import and at save with a 400 naming the node, nothing is stored, and the
 * server goes on serving.
 */
describe("workflow settings checks over the API", () => {
  let server: TestServer;
  let key: string;

  const workflowCount = async () =>
    ((await (await server.call("/api/workflows", { key })).json()) as { data: unknown[] }).data.length;

  beforeAll(async () => {
    server = await startTestServer();
    key = await server.key("ai-workflow");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses each hostile DSL at import with a 400 naming the node, storing nothing", async () => {
    const hostile = settingsFixtures("rejected");
    expect(hostile.length).toBeGreaterThanOrEqual(10);
    const before = await workflowCount();
    for (const { name, yaml, expected } of hostile) {
      const response = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
      expect(response.status, name).toBe(400);
      expect(await errorOf(response), name).toMatchObject({ type: "invalid_request", message: expected });
    }
    expect(await workflowCount()).toBe(before);
    expect((await server.call("/healthz", {})).status).toBe(200);
  });

  it("imports the lenient settings a Dify export holds", async () => {
    for (const { name, yaml } of settingsFixtures("accepted")) {
      const response = await server.call("/api/workflows/import", { method: "POST", key, json: { yaml } });
      expect(response.status, name).toBe(201);
    }
  });

  it("refuses a saved graph with a mistyped setting or a list setting on text, keeping the last version", async () => {
    const imported = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: fixture("http_request_with_json_tool_workflow.yml") },
    });
    expect(imported.status).toBe(201);
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const detail = async () =>
      (
        (await (await server.call(`/api/workflows/${workflow.id}`, { key })).json()) as {
          workflow: {
            version: number;
            graph: { nodes: Array<{ id: string; data: Record<string, unknown> }>; edges: unknown[] };
          };
        }
      ).workflow;
    const current = await detail();
    const http = current.graph.nodes.find((node) => node.data.type === "http-request");
    expect(http).toBeDefined();
    const mistyped = {
      ...current.graph,
      nodes: current.graph.nodes.map((node) =>
        node === http ? { ...node, data: { ...node.data, timeout: "10 seconds" } } : node,
      ),
    };
    const saved = await server.call(`/api/workflows/${workflow.id}`, {
      method: "PUT",
      key,
      json: { graph: mistyped },
    });
    expect(saved.status).toBe(400);
    expect((await errorOf(saved)).message).toBe(
      `Node '${String(http?.data.title)}' (${http?.id}): setting 'timeout' must be an object, not a string ("10 seconds")`,
    );
    const after = await detail();
    expect(after.version).toBe(current.version);
    expect(after.graph).toEqual(current.graph);

    const iterateText = {
      ...current.graph,
      nodes: [
        ...current.graph.nodes,
        {
          id: "each",
          type: "custom",
          position: { x: 0, y: 0 },
          data: {
            type: "iteration",
            title: "Each",
            iterator_selector: [http?.id, "body"],
            output_selector: [],
          },
        },
      ],
    };
    const savedIteration = await server.call(`/api/workflows/${workflow.id}`, {
      method: "PUT",
      key,
      json: { graph: iterateText },
    });
    expect(savedIteration.status).toBe(400);
    expect((await errorOf(savedIteration)).message).toBe(
      `Node 'Each' (each): setting 'iterator_selector' must point at an array, but '${String(http?.data.title)}' (${http?.id}) declares ${http?.id}.body as string`,
    );
    expect((await server.call("/healthz", {})).status).toBe(200);
  });
});

describe("run limits from the server's settings", () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(undefined, { env: { NEXUS_WORKFLOW_MAX_STEPS: "2" } });
    key = await server.key("ai-workflow");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("stops a run at NEXUS_WORKFLOW_MAX_STEPS, naming the node", async () => {
    const imported = await server.call("/api/workflows/import", {
      method: "POST",
      key,
      json: { yaml: fixture("conditional_hello_branching_workflow.yml") },
    });
    const { workflow } = (await imported.json()) as { workflow: { id: string } };
    const ran = await server.call(`/api/workflows/${workflow.id}/runs`, {
      method: "POST",
      key,
      json: { inputs: { query: "hello" }, response_mode: "blocking" },
    });
    const { data } = (await ran.json()) as { data: { status: string; error: string } };
    expect(data.status).toBe("failed");
    expect(data.error).toMatch(/reached its limit of 2 steps at node/);
  });
});
