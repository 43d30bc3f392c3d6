import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startTestServer, type TestServer } from "./test-server.ts";

describe("bad input gets a clear 4xx and never breaks the server", () => {
  let server: TestServer;
  let owner: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.key("agentx", "owner");
  });
  afterAll(() => server?.stop());

  async function expectError(response: Response, status: number, type: string, message?: RegExp) {
    expect(response.status).toBe(status);
    const error = await errorOf(response);
    expect(error.type).toBe(type);
    if (message) expect(error.message).toMatch(message);
    return error;
  }

  it("rejects missing, malformed and unknown credentials with 401", async () => {
    await expectError(await server.call("/api/me"), 401, "authentication_error", /Missing API key/);
    await expectError(
      await server.call("/api/me", { headers: { authorization: "Basic abc" } }),
      401,
      "authentication_error",
      /Bearer/,
    );
    await expectError(
      await server.call("/api/me", { key: `nx_${"a".repeat(43)}` }),
      401,
      "authentication_error",
    );
    await expectError(await server.call("/api/me", { key: "x".repeat(5000) }), 401, "authentication_error");
    await expectError(
      await server.call("/api/me", { headers: { cookie: "nexus_session=forged" } }),
      401,
      "authentication_error",
    );
    await expectError(await server.call("/v1/models"), 401, "authentication_error");
  });

  it("answers malformed JSON with 400", async () => {
    const response = await server.call("/api/keys", {
      method: "POST",
      key: owner,
      headers: { "content-type": "application/json" },
      body: '{"name": "x",',
    });
    await expectError(response, 400, "invalid_request", /Malformed JSON/);
    const empty = await server.call("/api/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "",
    });
    await expectError(empty, 400, "invalid_request");
  });

  it("answers wrong types and unknown fields with 400 naming the field", async () => {
    const error = await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: { role: "superuser" } }),
      400,
      "invalid_request",
      /role/,
    );
    expect(error.param).toBe("role");
    await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: { name: 42 } }),
      400,
      "invalid_request",
      /name/,
    );
    await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: { admin: true } }),
      400,
      "invalid_request",
    );
    await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: [1, 2] }),
      400,
      "invalid_request",
    );
    await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: "string" }),
      400,
      "invalid_request",
    );
    await expectError(
      await server.call("/api/keys", { method: "POST", key: owner, json: { name: "" } }),
      400,
      "invalid_request",
    );
    await expectError(
      await server.call("/api/sessions", { method: "POST", json: { key: 1 } }),
      400,
      "invalid_request",
    );
    await expectError(
      await server.call("/api/keys?includeRevoked=maybe", { key: owner }),
      400,
      "invalid_request",
    );
  });

  it("refuses bodies over the limit with 413 and keeps serving", async () => {
    const huge = JSON.stringify({ name: "x".repeat(200_000) });
    const response = await server.call("/api/keys", {
      method: "POST",
      key: owner,
      headers: { "content-type": "application/json" },
      body: huge,
    });
    await expectError(response, 413, "payload_too_large");
    expect((await server.call("/healthz")).status).toBe(200);
  });

  it("refuses content types it does not parse", async () => {
    const response = await server.call("/api/keys", {
      method: "POST",
      key: owner,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "name=x",
    });
    expect(response.status).toBe(415);
    expect((await errorOf(response)).type).toBe("unsupported_media_type");
  });

  it("answers unknown routes and ids with 404", async () => {
    await expectError(await server.call("/api/nothing-here", { key: owner }), 404, "not_found", /No route/);
    await expectError(
      await server.call("/api/keys/key_doesnotexist", { method: "DELETE", key: owner }),
      404,
      "not_found",
    );
    await expectError(await server.call("/api/workspaces/nope", { key: owner }), 404, "not_found");
    await expectError(await server.call("/nope"), 404, "not_found");
  });

  it("treats hostile strings as data", async () => {
    const hostile = "'; DROP TABLE api_keys; --";
    await expectError(
      await server.call(`/api/keys/${encodeURIComponent(hostile)}`, { method: "DELETE", key: owner }),
      404,
      "not_found",
    );
    await expectError(
      await server.call(`/api/workspaces/${encodeURIComponent(hostile)}`, { key: owner }),
      404,
      "not_found",
    );
    const created = await server.call("/api/keys", { method: "POST", key: owner, json: { name: hostile } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { name: string }).name).toBe(hostile);
    expect((await server.call("/api/me", { key: owner })).status).toBe(200);
  });

  it("survives a burst of garbage and still has its data", async () => {
    const garbage = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        server.call("/api/keys", {
          method: "POST",
          key: owner,
          headers: { "content-type": "application/json" },
          body: index % 2 ? "{" : "\u0000\u0001",
        }),
      ),
    );
    expect(garbage.every((response) => response.status === 400)).toBe(true);
    const keys = await server.call("/api/keys", { key: owner });
    expect(keys.status).toBe(200);
  });
});
