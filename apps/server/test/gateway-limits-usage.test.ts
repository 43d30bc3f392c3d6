import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { errorOf, serverBackends, startTestServer, type TestServer } from "./test-server.ts";

/** Limits, budgets and usage accounting through the served API, in front of a real upstream double. */
describe.each(serverBackends)("gateway limits and usage on $store (redis: $redis)", (backend) => {
  let upstream: OpenAITestServer;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(backend, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    admin = await server.key("ai-workflow", "admin");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const chat = (key: string, content: string, extra: Record<string, unknown> = {}) =>
    server.call("/v1/chat/completions", {
      method: "POST",
      key,
      json: { model: "double/test-chat", max_tokens: 20, messages: [{ role: "user", content }], ...extra },
    });

  it("records a usage row per request and serves totals, groups and pages", async () => {
    const key = await server.key("ai-workflow", "member");
    for (let i = 0; i < 3; i++) expect((await chat(key, `count me ${i}`)).status).toBe(200);
    const streamed = await chat(key, "streamed", { stream: true });
    expect(streamed.status).toBe(200);
    await streamed.text();
    expect((await chat(key, "x", { model: "double/test-server-error" })).status).toBe(500);

    await vi.waitFor(
      async () => {
        const usage = await (await server.call("/api/gateway/usage?groupBy=alias", { key })).json();
        expect(usage.totals.requests).toBeGreaterThanOrEqual(5);
      },
      { timeout: 10_000, interval: 200 },
    );
    const usage = await (await server.call("/api/gateway/usage?groupBy=alias", { key })).json();
    expect(usage.totals.promptTokens).toBeGreaterThan(0);
    expect(usage.totals.completionTokens).toBeGreaterThan(0);
    expect(usage.totals.errors).toBeGreaterThanOrEqual(1);
    expect(usage.groups.map((group: { key: string }) => group.key)).toContain("double/test-chat");
    const page = await (await server.call("/api/gateway/usage/requests?limit=2", { key })).json();
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const streamedRow = (
      await (await server.call("/api/gateway/usage/requests?limit=50", { key })).json()
    ).data.find((row: { stream: boolean }) => row.stream);
    expect(streamedRow.completionTokens).toBeGreaterThan(0);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const series of [
      "nexus_gateway_requests_total",
      "nexus_gateway_ttft_seconds",
      "nexus_gateway_request_duration_seconds",
      "nexus_gateway_tokens_total",
    ]) {
      expect(metrics).toContain(series);
    }
    // Another workspace's usage is not this one's.
    const other = await server.key("nexus-os", "member");
    const theirs = await (await server.call("/api/gateway/usage", { key: other })).json();
    expect(theirs.totals.requests).toBe(0);
  });

  it("answers 429 with Retry-After past a key's requests per minute", async () => {
    const key = await server.key("ai-workflow", "member");
    const keyId = await keyIdOf(key);
    const set = await server.call(`/api/gateway/keys/${keyId}/limits`, {
      method: "PUT",
      key: admin,
      json: { requestsPerMinute: 2 },
    });
    expect(set.status).toBe(200);
    expect((await chat(key, "one")).status).toBe(200);
    expect((await chat(key, "two")).status).toBe(200);
    const refused = await chat(key, "three");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await errorOf(refused)).message).toMatch(/key/i);
  });

  it("holds a small token budget under 200 parallel requests: overspend at most one request", async () => {
    const key = await server.key("ai-workflow", "member");
    const keyId = await keyIdOf(key);
    const budget = 400;
    const set = await server.call(`/api/gateway/keys/${keyId}/limits`, {
      method: "PUT",
      key: admin,
      json: { tokenBudget: { tokens: budget, period: "day" } },
    });
    expect(set.status).toBe(200);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => chat(key, `parallel request ${i}`)),
    );
    const ok = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(ok.length + refused.length).toBe(200);
    expect(refused.length).toBeGreaterThan(0);
    const spent = (await Promise.all(ok.map((response) => response.json()))).reduce(
      (sum, body: { usage: { total_tokens: number } }) => sum + body.usage.total_tokens,
      0,
    );
    const largestRequest = 40;
    expect(spent).toBeLessThanOrEqual(budget + largestRequest);
    const rule = await (await server.call(`/api/gateway/keys/${keyId}/limits`, { key: admin })).json();
    expect(rule.budget.used).toBeLessThanOrEqual(budget + largestRequest);
  });

  it("rejects bad limits and other workspaces' keys", async () => {
    const bad = await server.call("/api/gateway/limits", {
      method: "PUT",
      key: admin,
      json: { requestsPerMinute: -1 },
    });
    expect(bad.status).toBe(400);
    const otherKey = await server.key("nexus-os", "member");
    const foreign = await server.call(`/api/gateway/keys/${await keyIdOf(otherKey)}/limits`, {
      method: "PUT",
      key: admin,
      json: { requestsPerMinute: 1 },
    });
    expect(foreign.status).toBe(404);
  });

  async function keyIdOf(key: string): Promise<string> {
    return (await (await server.call("/api/me", { key })).json()).keyId;
  }
});
