import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { errorOf, serverBackends, startTestServer, type TestServer } from "./test-server.ts";

/**
 * `/api/gateway`: providers and aliases per workspace, routed through by the OpenAI API, with
 * two real upstream doubles (one healthy, one failing) behind an alias.
 */
describe.each(serverBackends)("gateway API on $store (redis: $redis)", (backend) => {
  let healthy: OpenAITestServer;
  let failing: OpenAITestServer;
  let server: TestServer;
  let admin: string;
  let member: string;
  let otherWorkspace: string;

  beforeAll(async () => {
    healthy = await startOpenAITestServer({ apiKey: "sk-healthy-secret" });
    failing = await startOpenAITestServer({ models: { "test-chat": { status: 503 } } });
    server = await startTestServer(backend);
    admin = await server.key("agentx", "admin");
    member = await server.key("agentx", "member");
    otherWorkspace = await server.key("azi-learns-ai", "owner");
  });
  afterAll(async () => {
    await server?.stop();
    await healthy?.close();
    await failing?.close();
  });

  const put = (path: string, json: unknown, key = admin) => server.call(path, { method: "PUT", key, json });

  it("adds providers; their API keys are never returned or logged", async () => {
    const created = await server.call("/api/gateway/providers", {
      method: "POST",
      key: admin,
      json: {
        id: "replica-a",
        kind: "openai-compatible",
        baseURL: healthy.baseURL,
        apiKey: "sk-healthy-secret",
      },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: "replica-a", hasApiKey: true, scope: "workspace" });
    expect(
      (await put("/api/gateway/providers/replica-b", { kind: "openai-compatible", baseURL: failing.baseURL }))
        .status,
    ).toBe(201);

    const listed = await (await server.call("/api/gateway/providers", { key: member })).json();
    expect(listed.data.map((provider: { id: string }) => provider.id)).toEqual(
      expect.arrayContaining(["local", "replica-a", "replica-b"]),
    );
    expect(JSON.stringify(listed)).not.toContain("sk-healthy-secret");
    expect(server.logs.join("")).not.toContain("sk-healthy-secret");
  });

  it("routes an alias over its deployments, falling back from a failing replica", async () => {
    const alias = {
      strategy: "weighted",
      retries: 2,
      deployments: [
        { provider: "replica-b", model: "test-chat", weight: 1000 },
        { provider: "replica-a", model: "test-chat", weight: 1 },
      ],
    };
    expect((await put("/api/gateway/aliases/fast", alias)).status).toBe(201);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: member, maxRetries: 0 });
    for (let i = 0; i < 5; i++) {
      const completion = await client.chat.completions.create({
        model: "fast",
        messages: [{ role: "user", content: `hi ${i}` }],
      });
      expect(completion.choices[0]?.message.content).toBe(`You said: hi ${i}`);
    }
    const stream = await client.chat.completions.create({
      model: "fast",
      stream: true,
      messages: [{ role: "user", content: "streamed" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("You said: streamed");
    expect(failing.chatRequests().length).toBeGreaterThan(0);

    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain("fast");
    expect(models).toContain("replica-a/test-chat");
    const health = await (await server.call("/api/gateway/health", { key: member })).json();
    expect(health.data.map((entry: { deploymentId: string }) => entry.deploymentId).sort()).toEqual([
      "replica-a/test-chat",
      "replica-b/test-chat",
    ]);
  });

  it("answers repeated requests from the alias's cache, as JSON and as a replayed stream", async () => {
    const alias = { deployments: [{ provider: "replica-a", model: "test-chat" }], cache: { ttlSeconds: 60 } };
    expect((await put("/api/gateway/aliases/cached", alias)).status).toBe(201);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: member, maxRetries: 0 });
    const messages = [{ role: "user" as const, content: `cache me ${backend.store}` }];
    const before = healthy.chatRequests().length;
    const first = await client.chat.completions.create({ model: "cached", messages });
    const second = await client.chat.completions.create({ model: "cached", messages });
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    let replayed = "";
    const stream = await client.chat.completions.create({ model: "cached", messages, stream: true });
    for await (const chunk of stream) replayed += chunk.choices[0]?.delta.content ?? "";
    expect(replayed).toBe(first.choices[0]?.message.content);
    await vi.waitFor(() => expect(healthy.chatRequests().length).toBe(before + 1), { timeout: 10_000 });

    const bypass = await server.call("/v1/chat/completions", {
      method: "POST",
      key: member,
      headers: { "x-nexus-cache": "no-cache" },
      json: { model: "cached", messages },
    });
    expect(bypass.status).toBe(200);
    expect(healthy.chatRequests().length).toBe(before + 2);
    const bad = await server.call("/v1/chat/completions", {
      method: "POST",
      key: member,
      headers: { "x-nexus-cache": "sometimes" },
      json: { model: "cached", messages },
    });
    expect(bad.status).toBe(400);
    // Another workspace asking the same thing never gets this workspace's answer.
    expect(
      (
        await put(
          "/api/gateway/providers/theirs",
          { kind: "openai-compatible", baseURL: healthy.baseURL, apiKey: "sk-healthy-secret" },
          otherWorkspace,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await put(
          "/api/gateway/aliases/cached",
          { ...alias, deployments: [{ provider: "theirs", model: "test-chat" }] },
          otherWorkspace,
        )
      ).status,
    ).toBe(201);
    const theirs = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: otherWorkspace, maxRetries: 0 });
    await theirs.chat.completions.create({ model: "cached", messages });
    expect(healthy.chatRequests().length).toBe(before + 3);
  });

  it("keeps workspaces apart: another workspace sees none of it and cannot route to it", async () => {
    const theirs = await (await server.call("/api/gateway/aliases", { key: otherWorkspace })).json();
    expect(theirs.data.map((alias: { name: string }) => alias.name)).toEqual(["cached"]);
    const providers = await (await server.call("/api/gateway/providers", { key: otherWorkspace })).json();
    expect(providers.data.map((provider: { id: string }) => provider.id)).not.toContain("replica-a");
    for (const model of ["fast", "replica-a/test-chat"]) {
      const response = await server.call("/v1/chat/completions", {
        method: "POST",
        key: otherWorkspace,
        json: { model, messages: [{ role: "user", content: "x" }] },
      });
      expect(response.status).toBe(404);
    }
    expect((await server.call("/api/gateway/aliases/fast", { key: otherWorkspace })).status).toBe(404);
    expect(
      (await server.call("/api/gateway/aliases/fast", { method: "DELETE", key: otherWorkspace })).status,
    ).toBe(404);
  });

  it("answers bad input with clear errors", async () => {
    expect((await put("/api/gateway/aliases/fast", { deployments: [] }, member)).status).toBe(403);
    const cases: Array<[string, unknown, number, RegExp]> = [
      ["/api/gateway/aliases/fast", { deployments: [] }, 400, /deployments/],
      [
        "/api/gateway/aliases/fast",
        { deployments: [{ provider: "nowhere", model: "m" }] },
        400,
        /Unknown provider 'nowhere'/,
      ],
      [
        "/api/gateway/aliases/bad%2Fname",
        { deployments: [{ provider: "replica-a", model: "m" }] },
        400,
        /alias name/,
      ],
      [
        "/api/gateway/aliases/fast",
        { deployments: [{ provider: "replica-a", model: "m", weight: -1 }] },
        400,
        /weight/,
      ],
      [
        "/api/gateway/aliases/fast",
        { strategy: "fastest", deployments: [{ provider: "replica-a", model: "m" }] },
        400,
        /strategy/,
      ],
      [
        "/api/gateway/providers/local",
        { kind: "openai-compatible", baseURL: healthy.baseURL },
        409,
        /instance-wide/,
      ],
      ["/api/gateway/providers/x", { kind: "openai-compatible", baseURL: "not a url" }, 400, /baseURL/],
      ["/api/gateway/providers/x", { kind: "carrier-pigeon", baseURL: healthy.baseURL }, 400, /kind/],
    ];
    for (const [path, body, status, message] of cases) {
      const response = await put(path, body);
      expect(response.status, path).toBe(status);
      expect((await errorOf(response)).message).toMatch(message);
    }
    const malformed = await server.call("/api/gateway/aliases/fast", {
      method: "PUT",
      key: admin,
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    const inUse = await server.call("/api/gateway/providers/replica-a", { method: "DELETE", key: admin });
    expect(inUse.status).toBe(409);
    expect((await errorOf(inUse)).message).toMatch(/used by alias 'cached', 'fast'/);
    expect((await server.call("/api/gateway/providers/ghost", { method: "DELETE", key: admin })).status).toBe(
      404,
    );
  });

  it("removes an alias, after which its name no longer routes", async () => {
    expect((await server.call("/api/gateway/aliases/fast", { method: "DELETE", key: admin })).status).toBe(
      204,
    );
    const response = await server.call("/v1/chat/completions", {
      method: "POST",
      key: member,
      json: { model: "fast", messages: [{ role: "user", content: "x" }] },
    });
    expect(response.status).toBe(404);
    expect(
      (await server.call("/api/gateway/providers/replica-b", { method: "DELETE", key: admin })).status,
    ).toBe(204);
  });
});

describe("zero-config discovery", () => {
  it("offers the models of a local server found on its port, and drops them when it goes away", async () => {
    const ollama = await startOpenAITestServer();
    const port = new URL(ollama.baseURL).port;
    const server = await startTestServer(undefined, { discoveryPorts: `ollama=${port}` });
    try {
      const key = await server.key("nexus-os", "member");
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
      await vi.waitFor(
        async () => {
          const ids = [];
          for await (const model of client.models.list()) ids.push(model.id);
          expect(ids).toContain("ollama/test-chat");
        },
        { timeout: 10_000, interval: 100 },
      );
      const completion = await client.chat.completions.create({
        model: "ollama/test-chat",
        messages: [{ role: "user", content: "found you" }],
      });
      expect(completion.choices[0]?.message.content).toBe("You said: found you");
      const found = await (await server.call("/api/gateway/discovery", { method: "POST", key })).json();
      expect(found.data.map((entry: { id: string }) => entry.id)).toEqual(["ollama"]);

      await ollama.close();
      const gone = await (await server.call("/api/gateway/discovery", { method: "POST", key })).json();
      expect(gone.data).toEqual([]);
      const ids = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).not.toContain("ollama/test-chat");
    } finally {
      await server.stop();
      await ollama.close().catch(() => {});
    }
  });
});
