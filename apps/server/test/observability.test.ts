import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./test-server.ts";

describe("metrics, OpenAPI, request ids and logs", () => {
  let server: TestServer;
  let owner: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.key("nexus-os", "owner");
  });
  afterAll(() => server?.stop());

  it("serves Prometheus metrics with process metrics and requests by route and status", async () => {
    await server.call("/api/me", { key: owner });
    await server.call("/api/me");
    const response = await server.call("/metrics");
    expect(response.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/nexus_process_cpu_user_seconds_total/);
    expect(text).toMatch(/nexus_http_requests_total\{method="GET",route="\/api\/me",status="200"\} \d+/);
    expect(text).toMatch(/nexus_http_requests_total\{method="GET",route="\/api\/me",status="401"\} \d+/);
    expect(text).toMatch(
      /nexus_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/me"/,
    );
  });

  it("publishes an OpenAPI document generated from the route schemas", async () => {
    const response = await server.call("/api/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/me",
        "/api/workspaces",
        "/api/keys",
        "/api/keys/{id}",
        "/api/sessions",
        "/healthz",
        "/readyz",
      ]),
    );
    const create = document.paths["/api/keys"]?.post;
    expect(JSON.stringify(create?.requestBody)).toContain('"role"');
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(["201", "401", "403"]));
  });

  it("gives every response a request id, keeping a sane incoming one", async () => {
    const generated = await server.call("/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^req_/);
    const kept = await server.call("/healthz", { headers: { "x-request-id": "trace-123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-123");
    const replaced = await server.call("/healthz", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("writes structured JSON logs with the request id and never a secret", async () => {
    const created = await server.call("/api/keys", {
      method: "POST",
      key: owner,
      json: { name: "secret-test" },
    });
    const { key } = (await created.json()) as { key: string };
    await server.call("/api/me", { key, headers: { "x-request-id": "log-check-1" } });
    await server.call("/api/sessions", { method: "POST", json: { key } });
    await server.call("/api/me", { headers: { "x-api-key": key } });
    const code = server.nexus.loginCodes.issue("nexus-os");
    await server.call("/api/sessions", { method: "POST", json: { loginCode: code } });
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.reqId === "log-check-1")).toBe(true);
    expect(lines.every((line) => typeof line.level === "number" && typeof line.time === "number")).toBe(true);
    const all = server.logs.join("\n");
    for (const secret of [owner, key, code]) expect(all).not.toContain(secret);
    expect(all).not.toContain("nexus_session=");
  });
});
