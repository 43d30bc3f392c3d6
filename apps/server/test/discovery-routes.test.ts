import type net from "node:net";
import { discoverLocalServers, type LocalServerCandidate, modelCatalog } from "@nexus/gateway";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { registerErrorHandling } from "../src/plugins/error-handling.ts";
import { discoveryRoutes } from "../src/routes/discovery-routes.ts";

// The routes on their own Fastify (app.ts wiring, with authentication in front, is the lead's):
// real probes of real OpenAI-speaking servers on ephemeral ports, never the well-known ones.
describe("discovery routes", () => {
  let app: FastifyInstance;
  let first: OpenAITestServer;
  let second: OpenAITestServer | undefined;
  const candidates: LocalServerCandidate[] = [];
  let probes = 0;

  beforeAll(async () => {
    first = await startOpenAITestServer({ models: { "llama3.2:1b": {} } });
    candidates.push({ id: "ollama", port: Number(new URL(first.baseURL).port) });
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerErrorHandling(app);
    await app.register(
      discoveryRoutes({
        discover: () => {
          probes += 1;
          return discoverLocalServers({ candidates: [...candidates] });
        },
      }),
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.close();
    await first?.close();
    await second?.close();
  });

  const url = (path: string) => `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}${path}`;

  it("probes on the first read, then answers the last result until asked to probe again", async () => {
    const initial = await fetch(url("/api/gateway/discovery"));
    expect(initial.status).toBe(200);
    const found = (await initial.json()) as { data: unknown[]; checkedAt: string };
    expect(found.data).toEqual([
      { id: "ollama", name: "Ollama", baseURL: first.baseURL, models: ["llama3.2:1b"] },
    ]);
    expect(Date.parse(found.checkedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(probes).toBe(1);

    // A vLLM starts; reading again still shows the last probe, probing again finds it.
    second = await startOpenAITestServer({ models: { qwen: {} } });
    candidates.push({ id: "vllm", port: Number(new URL(second.baseURL).port) });
    const cached = (await (await fetch(url("/api/gateway/discovery"))).json()) as { data: unknown[] };
    expect(cached.data).toHaveLength(1);
    const [probed, alsoProbed] = await Promise.all([
      fetch(url("/api/gateway/discovery"), { method: "POST" }),
      fetch(url("/api/gateway/discovery"), { method: "POST" }),
    ]);
    expect(probed.status).toBe(200);
    const again = (await probed.json()) as { data: Array<{ id: string; models: string[] }> };
    expect(again.data.map((server) => [server.id, server.models])).toEqual([
      ["ollama", ["llama3.2:1b"]],
      ["vllm", ["qwen"]],
    ]);
    expect(((await alsoProbed.json()) as { data: unknown[] }).data).toHaveLength(2);
    // Two concurrent POSTs shared one probe.
    expect(probes).toBe(2);
    const latest = (await (await fetch(url("/api/gateway/discovery"))).json()) as { data: unknown[] };
    expect(latest.data).toHaveLength(2);
  });

  it("serves the catalog with the exact pull command for each model", async () => {
    const response = await fetch(url("/api/gateway/catalog"));
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: Array<{ name: string; purpose: string; pullCommand: string; sizeBytes: number }>;
      suggested: string[];
    };
    expect(body.data).toHaveLength(modelCatalog.length);
    expect(body.data[0]).toMatchObject({
      name: "qwen2.5-0.5b-instruct",
      purpose: "chat",
      pullCommand: "nexus models pull qwen2.5-0.5b-instruct",
    });
    expect(body.suggested).toEqual(["qwen2.5-0.5b-instruct", "nomic-embed-text-v1.5"]);
  });

  it("answers a body it does not take, or an unknown method, with the error shape", async () => {
    const bad = await fetch(url("/api/gateway/discovery"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_request");
    const missing = await fetch(url("/api/gateway/discovery"), { method: "DELETE" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe("not_found");
  });
});
