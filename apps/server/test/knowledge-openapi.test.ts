import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./test-server.ts";

describe("knowledge routes in the OpenAPI document", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("lists every knowledge route with its body schema", async () => {
    const response = await server.call("/api/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    for (const path of [
      "/api/knowledge/datasets",
      "/api/knowledge/search",
      "/api/knowledge/datasets/{id}/push",
      "/api/knowledge/events",
      "/api/knowledge/datasets/{id}/watches",
      "/api/knowledge/datasets/{id}/watches/{watchId}",
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(document.paths["/api/knowledge/search"]?.post?.requestBody).toBeDefined();
  });
});
