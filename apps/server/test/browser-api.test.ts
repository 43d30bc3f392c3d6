import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { actStep, extractSteps } from "../../../packages/browser/src/testing/browser-test-kit.ts";
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from "../../../packages/browser/src/testing/scripted-model-server.ts";
import {
  loginPassword,
  startTestSites,
  type TestSites,
} from "../../../packages/browser/src/testing/test-sites.ts";
import { errorOf, startTestServer, type TestServer } from "./test-server.ts";

let server: TestServer;
let model: ScriptedModelServer;
let sites: TestSites;
let key: string;
let otherKey: string;
let sessionId: string;
const modelName = "double/browser-test";

beforeAll(async () => {
  model = await startScriptedModelServer();
  sites = await startTestSites();
  server = await startTestServer(undefined, { openaiUpstreams: [{ id: "double", baseURL: model.baseURL }] });
  key = await server.key("ai-workflow", "owner");
  otherKey = await server.key("agentx", "owner");
  const settings = await server.call("/api/browser/settings", {
    method: "PUT",
    key,
    json: { allowUrls: ["127.0.0.1"] },
  });
  expect(settings.status).toBe(200);
  const opened = await server.call("/api/browser/sessions", {
    method: "POST",
    key,
    json: { model: modelName },
  });
  expect(opened.status).toBe(201);
  sessionId = ((await opened.json()) as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await model?.close();
  await sites?.close();
});
beforeEach(() => {
  model.calls.length = 0;
});

const post = (path: string, json: unknown, withKey = key) =>
  server.call(path, { method: "POST", key: withKey, json });

describe("/api/browser", () => {
  it("acts with a secret variable, then replays from the cache with zero model calls", async () => {
    const act = () =>
      post(`/api/browser/sessions/${sessionId}/act`, {
        instruction: "type %password% into the password field",
        variables: { password: loginPassword },
        url: `${sites.origin}/login`,
      });
    model.load([actStep(/textbox: Password/, "fill", ["%password%"])]);
    const first = await act();
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { result: { cached: boolean }; usage: { calls: number } };
    expect(firstBody).toMatchObject({ result: { cached: false }, usage: { calls: 1 } });
    const second = (await (await act()).json()) as { result: { cached: boolean }; usage: { calls: number } };
    expect(second).toMatchObject({ result: { cached: true }, usage: { calls: 0 } });
    expect(model.calls).toHaveLength(1);
    expect(JSON.stringify(model.calls)).not.toContain(loginPassword);
    expect(server.logs.join("\n")).not.toContain(loginPassword);
    const cache = (await (await server.call("/api/browser/cache", { key })).json()) as { data: unknown[] };
    expect(cache.data).toHaveLength(1);
    const otherCache = (await (await server.call("/api/browser/cache", { key: otherKey })).json()) as {
      data: unknown[];
    };
    expect(otherCache.data).toHaveLength(0);
  });

  it("extracts into a JSON Schema, and answers a mismatch with a 422 error body", async () => {
    const schema = { type: "object", properties: { title: { type: "string" } }, required: ["title"] };
    model.load(extractSteps({ title: "Cities (page 1 of 3)" }));
    const ok = await post(`/api/browser/sessions/${sessionId}/extract`, {
      instruction: "the heading",
      schema,
      url: `${sites.origin}/table`,
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: unknown }).result).toEqual({ title: "Cities (page 1 of 3)" });
    model.load(extractSteps({ title: 42 }));
    const mismatch = await post(`/api/browser/sessions/${sessionId}/extract`, {
      instruction: "the heading",
      schema,
    });
    expect(mismatch.status).toBe(422);
    expect((await errorOf(mismatch)).message).toMatch(/does not match/);
  });

  it("runs one-shot operations in a browser of their own", async () => {
    model.load([
      {
        kind: "observe",
        reply: (call) => ({
          json: {
            elements: [
              {
                elementId: call.elementId(/button: Checkout/),
                description: "Checkout",
                method: "click",
                arguments: [],
              },
            ],
          },
        }),
      },
    ]);
    const response = await post("/api/browser/observe", {
      instruction: "the checkout button",
      url: `${sites.origin}/shop`,
      model: modelName,
    });
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { result: Array<{ description: string }> }).result[0]?.description,
    ).toBe("Checkout");
    const sessions = (await (await server.call("/api/browser/sessions", { key })).json()) as {
      data: unknown[];
    };
    expect(sessions.data).toHaveLength(1);
  });

  it("performs an action observe returned, with no model call (observe, then act)", async () => {
    model.load([
      {
        kind: "observe",
        reply: (call) => ({
          json: {
            elements: [
              {
                elementId: call.elementId(/button: Add Yellow Lamp to cart/),
                description: "Add lamp",
                method: "click",
                arguments: [],
              },
            ],
          },
        }),
      },
    ]);
    const observed = await post(`/api/browser/sessions/${sessionId}/observe`, {
      instruction: "the button adding the lamp",
      url: `${sites.origin}/shop`,
    });
    const [action] = ((await observed.json()) as { result: unknown[] }).result;
    model.calls.length = 0;
    const acted = await post(`/api/browser/sessions/${sessionId}/act`, { action });
    expect(acted.status).toBe(200);
    expect(((await acted.json()) as { usage: { calls: number } }).usage.calls).toBe(0);
    expect(model.calls).toHaveLength(0);
    const both = await post(`/api/browser/sessions/${sessionId}/act`, { action, instruction: "click" });
    expect(both.status).toBe(400);
    const gone = await post(`/api/browser/sessions/${sessionId}/act`, {
      action: { selector: "xpath=/html/body/nothing[9]", method: "click" },
    });
    expect(gone.status).toBe(422);
  });

  it("runs the agent toward a goal within its step limit", async () => {
    model.load([
      { kind: "agent", reply: { toolCalls: [{ name: "act", arguments: { action: "click Checkout" } }] } },
      actStep(/button: Checkout/, "click"),
      { kind: "agent", reply: { text: "Checked out." } },
      {
        kind: "agent",
        reply: { toolCalls: [{ name: "done", arguments: { reasoning: "done", taskComplete: true } }] },
      },
    ]);
    const response = await post(`/api/browser/sessions/${sessionId}/agent`, {
      goal: "check out",
      maxSteps: 4,
      url: `${sites.origin}/shop`,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      result: { success: boolean; steps: unknown[] };
      usage: { calls: number };
    };
    expect(body.result).toMatchObject({ success: true });
    expect(body.result.steps).toHaveLength(1);
    expect(body.usage.calls).toBe(4);
    const tooMany = await post(`/api/browser/sessions/${sessionId}/agent`, { goal: "x", maxSteps: 500 });
    expect(tooMany.status).toBe(400);
  });

  it("serves a screenshot of the session's page", async () => {
    const response = await server.call(`/api/browser/sessions/${sessionId}/screenshot`, { key });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("saves a task, runs it, reports its steps and serves their screenshots", async () => {
    const created = await post("/api/browser/tasks", {
      name: "Checkout",
      definition: {
        startUrl: `${sites.origin}/shop`,
        model: modelName,
        steps: [
          { type: "act", instruction: "add the Black Bag to the cart" },
          { type: "extract", instruction: "the cart line" },
        ],
        extractionSchema: { type: "object", properties: { cart: { type: "string" } }, required: ["cart"] },
      },
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string; version: number };
    model.load([
      actStep(/button: Add Black Bag to cart/, "click"),
      ...extractSteps({ cart: "Cart: 1 items" }),
    ]);
    const ran = await post(`/api/browser/tasks/${task.id}/runs`, { wait: true });
    expect(ran.status).toBe(200);
    const run = (await ran.json()) as {
      id: string;
      status: string;
      report: { output: unknown; steps: Array<{ screenshot: string }> };
    };
    expect(run).toMatchObject({ status: "succeeded", report: { output: { cart: "Cart: 1 items" } } });
    const shot = await server.call(
      `/api/browser/runs/${run.id}/screenshots/${run.report.steps[0]?.screenshot}`,
      { key },
    );
    expect(shot.status).toBe(200);
    expect((await server.call(`/api/browser/runs/${run.id}`, { key: otherKey })).status).toBe(404);
    const listed = (await (await server.call(`/api/browser/tasks/${task.id}/runs`, { key })).json()) as {
      data: unknown[];
    };
    expect(listed.data).toHaveLength(1);
  });
});

describe("/api/browser bad input", () => {
  it("answers with the error shape: unknown fields, bad schemas, policy, other workspaces, unknown sessions", async () => {
    const unknownField = await post(`/api/browser/sessions/${sessionId}/act`, {
      instruction: "x",
      selector: "#a",
    });
    expect(unknownField.status).toBe(400);
    await errorOf(unknownField);
    const badSchema = await post(`/api/browser/sessions/${sessionId}/extract`, {
      instruction: "x",
      schema: { type: "array" },
    });
    expect(badSchema.status).toBe(400);
    const blocked = await post(`/api/browser/sessions/${sessionId}/goto`, { url: "file:///etc/passwd" });
    expect(blocked.status).toBe(403);
    expect((await errorOf(blocked)).type).toBe("permission_denied");
    const unreachable = await post(`/api/browser/sessions/${sessionId}/goto`, { url: "http://127.0.0.1:9/" });
    expect(unreachable.status).toBe(422);
    expect((await errorOf(unreachable)).message).toMatch(/could not be reached|could not be opened/);
    const foreign = await post(`/api/browser/sessions/${sessionId}/act`, { instruction: "click" }, otherKey);
    expect(foreign.status).toBe(404);
    const privateForOther = await post(
      "/api/browser/sessions",
      { model: modelName, url: `${sites.origin}/shop` },
      otherKey,
    );
    expect(privateForOther.status).toBe(403);
    expect((await server.call("/api/browser/sessions/bs_nope", { key })).status).toBe(404);
    const member = await server.key("ai-workflow", "member");
    const denied = await server.call("/api/browser/settings", {
      method: "PUT",
      key: member,
      json: { allowUrls: ["*"] },
    });
    expect(denied.status).toBe(403);
    const badTask = await post("/api/browser/tasks", {
      name: "x",
      definition: { startUrl: "http://a", steps: [] },
    });
    expect(badTask.status).toBe(400);
    expect((await server.call("/api/browser/tasks/btask_nope", { key })).status).toBe(404);
    expect((await server.call("/api/browser/sessions")).status).toBe(401);
  });
});
