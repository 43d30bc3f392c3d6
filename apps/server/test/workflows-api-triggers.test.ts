import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, errorOf, startTestServer, type TestServer } from "./test-server.ts";

/** An echo of its start variables: a path parameter, a query field and two body fields. */
const echoYaml = `app:
  mode: workflow
  name: api echo
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
    - id: s
      data:
        type: start
        title: Start
        variables:
        - { variable: id, type: text-input, required: true }
        - { variable: lang, type: text-input, required: false }
        - { variable: name, type: text-input, required: true }
        - { variable: count, type: number, required: false }
    - id: e
      data:
        type: end
        title: End
        outputs:
        - { variable: id, value_selector: [s, id] }
        - { variable: lang, value_selector: [s, lang] }
        - { variable: name, value_selector: [s, name] }
        - { variable: count, value_selector: [s, count] }
    edges:
    - { source: s, target: e }
`;

const failingYaml = `app:
  mode: workflow
  name: api failing
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
    - id: s
      data: { type: start, title: Start, variables: [] }
    - id: boom
      data:
        type: code
        title: Boom
        code_language: javascript
        code: "function main() { throw new Error('boom') }"
        variables: []
        outputs: { result: { type: string } }
    - id: e
      data: { type: end, title: End, outputs: [{ variable: result, value_selector: [boom, result] }] }
    edges:
    - { source: s, target: boom }
    - { source: boom, target: e }
`;

/** api triggers: a workspace's own routes under /api/apps/<slug>/, on each backend. */
describe.each([
  { store: "sqlite", redis: false },
  { store: "postgres", redis: true },
] as Backend[])("workflow api triggers on $store (redis: $redis)", (backend) => {
  let server: TestServer;
  let key: string;
  let otherKey: string;
  let workflowId: string;

  const importWorkflow = async (yaml: string, withKey = key) => {
    const imported = await server.call("/api/workflows/import", {
      method: "POST",
      key: withKey,
      json: { yaml },
    });
    expect(imported.status).toBe(201);
    return ((await imported.json()) as { workflow: { id: string } }).workflow.id;
  };
  const addTrigger = (id: string, json: Record<string, unknown>, withKey = key) =>
    server.call(`/api/workflows/${id}/triggers`, {
      method: "POST",
      key: withKey,
      json: { kind: "api", ...json },
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    key = await server.key("ai-workflow");
    otherKey = await server.key("agentx");
    workflowId = await importWorkflow(echoYaml);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs the workflow with query, body and path inputs (path parameters win) and answers its outputs", async () => {
    const created = await addTrigger(workflowId, { method: "post", path: "/orders/:id/echo" });
    expect(created.status).toBe(201);
    const { trigger, url } = (await created.json()) as {
      trigger: { id: string; kind: string; method: string; path: string };
      url: string;
    };
    expect(trigger).toMatchObject({ kind: "api", method: "POST", path: "/orders/:id/echo" });
    expect(url).toBe("/api/apps/ai-workflow/orders/:id/echo");

    const listed = (await (await server.call(`/api/workflows/${workflowId}/triggers`, { key })).json()) as {
      data: Array<{ id: string; kind: string; path?: string }>;
    };
    expect(listed.data).toContainEqual(
      expect.objectContaining({ id: trigger.id, kind: "api", path: "/orders/:id/echo" }),
    );

    const called = await server.call("/api/apps/ai-workflow/orders/42/echo?lang=fr&id=from-query", {
      method: "POST",
      key,
      json: { name: "Ada", count: 3, id: "from-body" },
    });
    expect(called.status).toBe(200);
    expect(called.headers.get("x-nexus-run-id")).toMatch(/^wfr_/);
    expect(await called.json()).toEqual({ id: "42", lang: "fr", name: "Ada", count: 3 });

    // A GET route takes its inputs from the query string; numbers in it are read as numbers.
    expect((await addTrigger(workflowId, { method: "GET", path: "people/:name" })).status).toBe(201);
    const got = await server.call("/api/apps/ai-workflow/people/Grace?id=7&count=2", { key });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ id: "7", lang: "", name: "Grace", count: 2 });
    // A HEAD is not a GET: it starts no run (the count below stays at two).
    const head = await server.call("/api/apps/ai-workflow/people/Grace", { method: "HEAD", key });
    expect(head.status).toBe(404);

    const runs = (await (await server.call(`/api/workflows/${workflowId}/runs`, { key })).json()) as {
      data: Array<{ triggeredFrom: string }>;
    };
    expect(runs.data.filter((run) => run.triggeredFrom === "api-trigger")).toHaveLength(2);
  });

  it("answers 404 for a wrong method or an unknown path, and 400 for input that does not fit", async () => {
    expect((await addTrigger(workflowId, { method: "PUT", path: "items/:id" })).status).toBe(201);
    const wrongMethod = await server.call("/api/apps/ai-workflow/items/1", {
      method: "PATCH",
      key,
      json: {},
    });
    expect(wrongMethod.status).toBe(404);
    expect((await errorOf(wrongMethod)).type).toBe("not_found");
    const unknown = await server.call("/api/apps/ai-workflow/nothing/here", { method: "PUT", key, json: {} });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).type).toBe("not_found");
    expect(
      (await server.call("/api/apps/ai-workflow/items/1/more", { method: "PUT", key, json: {} })).status,
    ).toBe(404);

    const malformed = await server.call("/api/apps/ai-workflow/items/1", {
      method: "PUT",
      key,
      headers: { "content-type": "application/json" },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).type).toBe("invalid_request");
    const notObject = await server.call("/api/apps/ai-workflow/items/1", {
      method: "PUT",
      key,
      json: ["Ada"],
    });
    expect(notObject.status).toBe(400);
    const wrongType = await server.call("/api/apps/ai-workflow/items/1", {
      method: "PUT",
      key,
      json: { name: "Ada", count: "many" },
    });
    expect(wrongType.status).toBe(400);
    expect((await errorOf(wrongType)).param).toBe("inputs.count");
    const missing = await server.call("/api/apps/ai-workflow/items/1", { method: "PUT", key, json: {} });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).message).toContain("name");
  });

  it("refuses bad routes at creation with 400 and a route already taken with 409", async () => {
    for (const bad of [
      { method: "POST", path: "../etc/passwd" },
      { method: "POST", path: "a/../b" },
      { method: "POST", path: "with space" },
      { method: "POST", path: "a//b" },
      { method: "POST", path: "dots.json" },
      { method: "POST", path: "/" },
      { method: "POST", path: "" },
      { method: "POST", path: `${"x".repeat(65)}` },
      { method: "POST", path: Array.from({ length: 17 }, () => "a").join("/") },
      { method: "POST", path: "a/:id/:id" },
      { method: "POST", path: "a/:1x" },
      { method: "HEAD", path: "ok" },
      { method: "POST" },
      { path: "ok" },
    ]) {
      const response = await addTrigger(workflowId, bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect((await errorOf(response)).type).toBe("invalid_request");
    }
    expect((await addTrigger(workflowId, { method: "POST", path: "unique/:id" })).status).toBe(201);
    const taken = await addTrigger(workflowId, { method: "POST", path: "/unique/:other/" });
    expect(taken.status).toBe(409);
    expect((await errorOf(taken)).type).toBe("conflict");
    // Another method, or another workspace, may use the same path.
    expect((await addTrigger(workflowId, { method: "DELETE", path: "unique/:id" })).status).toBe(201);
    const otherWorkflow = await importWorkflow(echoYaml, otherKey);
    expect((await addTrigger(otherWorkflow, { method: "POST", path: "unique/:id" }, otherKey)).status).toBe(
      201,
    );
  });

  it("keeps a workspace's routes to its own keys, and answers a failed run with an error", async () => {
    expect((await addTrigger(workflowId, { method: "POST", path: "private/:id" })).status).toBe(201);
    const json = { name: "Ada" };
    expect((await server.call("/api/apps/ai-workflow/private/1", { method: "POST", key, json })).status).toBe(
      200,
    );
    // Any role of the workspace may call its routes.
    const member = await server.key("ai-workflow", "member");
    expect(
      (await server.call("/api/apps/ai-workflow/private/2", { method: "POST", key: member, json })).status,
    ).toBe(200);
    const foreign = await server.call("/api/apps/ai-workflow/private/1", {
      method: "POST",
      key: otherKey,
      json,
    });
    expect(foreign.status).toBe(404);
    expect((await errorOf(foreign)).type).toBe("not_found");
    expect(
      (await server.call("/api/apps/agentx/private/1", { method: "POST", key: otherKey, json })).status,
    ).toBe(404);
    expect((await server.call("/api/apps/ai-workflow/private/1", { method: "POST", json })).status).toBe(401);

    const failing = await importWorkflow(failingYaml);
    expect((await addTrigger(failing, { method: "POST", path: "boom" })).status).toBe(201);
    const failed = await server.call("/api/apps/ai-workflow/boom", { method: "POST", key, json: {} });
    expect(failed.status).toBe(500);
    const error = await errorOf(failed);
    expect(error.type).toBe("internal_error");
    expect(error.message).toContain("boom");
  });

  it("deleting the trigger removes its route", async () => {
    const created = await addTrigger(workflowId, { method: "POST", path: "short-lived" });
    const { trigger } = (await created.json()) as { trigger: { id: string } };
    const json = { id: "1", name: "Ada" };
    expect(
      (await server.call("/api/apps/ai-workflow/short-lived", { method: "POST", key, json })).status,
    ).toBe(200);
    expect(
      (await server.call(`/api/workflows/${workflowId}/triggers/${trigger.id}`, { method: "DELETE", key }))
        .status,
    ).toBe(204);
    expect(
      (await server.call("/api/apps/ai-workflow/short-lived", { method: "POST", key, json })).status,
    ).toBe(404);
    // The route is free again.
    expect((await addTrigger(workflowId, { method: "POST", path: "short-lived" })).status).toBe(201);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const document = (await (await server.call("/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const route = Object.entries(document.paths).find(([path]) => path.startsWith("/api/apps/{workspace}/"));
    expect(route).toBeDefined();
    expect(Object.keys(route?.[1] ?? {})).toEqual(
      expect.arrayContaining(["get", "post", "put", "patch", "delete"]),
    );
    expect(JSON.stringify(document.paths["/api/workflows/{id}/triggers"])).toContain('"api"');
  });
});
