import http from "node:http";
import type { AddressInfo } from "node:net";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenAITestServer,
  startOpenAITestServer,
} from "../../../packages/gateway/src/testing/openai-test-server.ts";
import { makeDocx, makePdf } from "../../../packages/knowledge/src/testing/test-files.ts";
import { type Backend, errorOf, startTestServer, type TestServer } from "./test-server.ts";

interface Document {
  id: string;
  status: string;
  error: string | null;
  chunkCount: number;
  duplicate?: boolean;
}

describe.each<Backend>([
  { store: "sqlite", redis: false },
  { store: "postgres", redis: true },
])("knowledge API on $store (redis: $redis)", (backend) => {
  let server: TestServer;
  let upstream: OpenAITestServer;
  let owner: string;
  let member: string;
  let stranger: string;
  let baseId: string;

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    server = await startTestServer(backend, {
      openaiUpstreams: [{ id: "double", baseURL: upstream.baseURL }],
    });
    owner = await server.key("ai-workflow", "owner");
    member = await server.key("ai-workflow", "member");
    stranger = await server.key("agentx", "owner");
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const call = (path: string, init: Parameters<TestServer["call"]>[1] = {}) =>
    server.call(path, { key: owner, ...init });
  async function settle(id: string): Promise<Document> {
    for (let tries = 0; tries < 400; tries++) {
      const document = (await (await call(`/api/knowledge/documents/${id}`)).json()) as Document;
      if (document.status !== "queued" && document.status !== "processing") return document;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`document ${id} never settled`);
  }
  const search = async (body: object) => {
    const response = await call("/api/knowledge/search", {
      method: "POST",
      json: { knowledgeBaseIds: [baseId], ...body },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      hits: Array<{
        content: string;
        score: number;
        citation: { documentId: string; page: number | null; documentName: string };
      }>;
      reranked: boolean;
    };
  };

  it("creates a knowledge base; refuses duplicates, bad settings and members", async () => {
    const created = await call("/api/knowledge/datasets", {
      method: "POST",
      json: { name: "manuals", settings: { chunking: { size: 60, overlap: 0 } } },
    });
    expect(created.status).toBe(201);
    const base = (await created.json()) as { id: string; embeddingModel: string };
    baseId = base.id;
    expect(base.embeddingModel).toBe("builtin");
    expect(
      (await errorOf(await call("/api/knowledge/datasets", { method: "POST", json: { name: "manuals" } })))
        .type,
    ).toBe("conflict");
    const bad = await call("/api/knowledge/datasets", {
      method: "POST",
      json: { name: "x", settings: { chunking: { size: 5 } } },
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).type).toBe("invalid_request");
    const forbidden = await call("/api/knowledge/datasets", {
      method: "POST",
      key: member,
      json: { name: "mine" },
    });
    expect(forbidden.status).toBe(403);
  });

  it("ingests text, base64 Word, raw PDF and XLSX uploads and cites documents and pages", async () => {
    const text = await call(`/api/knowledge/datasets/${baseId}/documents`, {
      method: "POST",
      json: {
        name: "pump.txt",
        text: "The hydraulic pump must be primed before the first start.",
        metadata: { team: "ops" },
      },
    });
    expect(text.status).toBe(201);
    const docx = await call(`/api/knowledge/datasets/${baseId}/documents`, {
      method: "POST",
      json: {
        name: "valves.docx",
        contentBase64: makeDocx(["Relief valves open at 180 bar."]).toString("base64"),
      },
    });
    const pdf = await call(`/api/knowledge/datasets/${baseId}/files?name=manual.pdf`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: new Uint8Array(makePdf(["Cover page", "Replace the filter cartridge every 500 hours."])),
    });
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("Parts").addRow(["part", "supplier"]);
    workbook.getWorksheet("Parts")?.addRow(["gasket", "Acme Seals"]);
    const xlsx = await call(`/api/knowledge/datasets/${baseId}/files?name=parts.xlsx`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.from(await workbook.xlsx.writeBuffer()),
    });
    const ids: string[] = [];
    for (const response of [text, docx, pdf, xlsx]) {
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as Document).id);
    }
    for (const id of ids) expect((await settle(id)).status).toBe("ready");

    const filter = await search({ query: "when to replace the filter cartridge", mode: "hybrid", topK: 1 });
    expect(filter.hits[0]?.citation).toMatchObject({ documentName: "manual.pdf", page: 2 });
    expect(
      (await search({ query: "relief valve pressure", mode: "fulltext", topK: 1 })).hits[0]?.citation
        .documentName,
    ).toBe("valves.docx");
    expect((await search({ query: "gasket supplier", mode: "vector", topK: 1 })).hits[0]?.content).toContain(
      "Acme Seals",
    );
    const filtered = await search({ query: "pump valves filter", filters: { metadata: { team: "ops" } } });
    expect(filtered.hits.map((hit) => hit.citation.documentName)).toEqual(["pump.txt"]);

    const duplicate = await call(`/api/knowledge/datasets/${baseId}/documents`, {
      method: "POST",
      json: { name: "again.txt", text: "The hydraulic pump must be primed before the first start." },
    });
    expect(duplicate.status).toBe(200);
    expect(((await duplicate.json()) as Document).duplicate).toBe(true);
  });

  it("streams ingestion progress over SSE, only the workspace's own", async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/knowledge/events?knowledgeBaseId=${baseId}`, {
      headers: { authorization: `Bearer ${owner}` },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const posted = await call(`/api/knowledge/datasets/${baseId}/documents`, {
      method: "POST",
      json: { name: "live.txt", text: "Coolant temperature alarms trigger at 95 degrees." },
    });
    const { id } = (await posted.json()) as Document;
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes(`"documentId":"${id}","status":"ready"`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain("event: progress");
    // Left open: the server's stop ends the stream rather than waiting on it.
    void reader.closed.catch(() => {});
    expect(text).toContain('"percent":100');
  });

  it("takes FastGPT-style pushData batches", async () => {
    const response = await call(`/api/knowledge/datasets/${baseId}/push`, {
      method: "POST",
      json: {
        data: [
          { q: "What oil does the gearbox take?", a: "ISO VG 220 gear oil." },
          { q: "Torque for the flange bolts?", a: "85 Nm." },
        ],
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { insertLen: number; documentIds: string[] };
    expect(body.insertLen).toBe(2);
    for (const id of body.documentIds) await settle(id);
    expect((await search({ query: "gearbox oil", topK: 1 })).hits[0]?.content).toContain("ISO VG 220");
  });

  it("gives each bad file its own error and keeps the rest", async () => {
    const bad = [
      { name: "locked.pdf", body: makePdf(["secret"], { encrypted: true }), error: /encrypted/ },
      { name: "program.txt", body: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x00]), error: /binary/ },
      { name: "empty.md", body: Buffer.alloc(0), error: /empty/ },
    ];
    for (const item of bad) {
      const response = await call(`/api/knowledge/datasets/${baseId}/files?name=${item.name}`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array(item.body),
      });
      const document = await settle(((await response.json()) as Document).id);
      expect(document.status, item.name).toBe("failed");
      expect(document.error, item.name).toMatch(item.error);
    }
    const retried = await call(
      `/api/knowledge/documents/${((await (await call(`/api/knowledge/datasets/${baseId}/documents?status=failed`)).json()) as { data: Document[] }).data[0]?.id}/retry`,
      { method: "POST" },
    );
    expect(retried.status).toBe(202);
    expect((await search({ query: "hydraulic pump primed", topK: 1 })).hits[0]?.citation.documentName).toBe(
      "pump.txt",
    );
  });

  it("refuses uploads over the limit with 413, bad JSON bodies with 400, and private URLs with 422", async () => {
    const huge = await call(`/api/knowledge/datasets/${baseId}/files?name=big.bin`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.alloc(51 * 1024 * 1024, 97),
    });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).type).toBe("payload_too_large");
    const both = await call(`/api/knowledge/datasets/${baseId}/documents`, {
      method: "POST",
      json: { name: "x", text: "a", contentBase64: "YQ==" },
    });
    expect(both.status).toBe(400);
    const target = http.createServer((_request, response) =>
      response.end("<html><body>internal</body></html>"),
    );
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    try {
      const port = (target.address() as AddressInfo).port;
      const refused = await call(`/api/knowledge/datasets/${baseId}/urls`, {
        method: "POST",
        json: { urls: [`http://127.0.0.1:${port}/`] },
      });
      expect(refused.status).toBe(422);
      expect((await errorOf(refused)).message).toMatch(/private address/);
      const scheme = await call(`/api/knowledge/datasets/${baseId}/urls`, {
        method: "POST",
        json: { urls: ["file:///etc/passwd"] },
      });
      expect(scheme.status).toBe(422);
    } finally {
      target.close();
    }
    const empty = await call("/api/knowledge/search", {
      method: "POST",
      json: { knowledgeBaseIds: [baseId], query: "  " },
    });
    expect(empty.status).toBe(400);
  });

  it("edits a chunk and shows scores per mode in hit testing", async () => {
    const documents = (
      (await (await call(`/api/knowledge/datasets/${baseId}/documents?status=ready`)).json()) as {
        data: Document[];
      }
    ).data;
    const pump = documents.find((document) => document.chunkCount > 0 && document.id) as Document;
    const chunks = (
      (await (await call(`/api/knowledge/documents/${pump.id}/chunks`)).json()) as {
        data: Array<{ id: string }>;
      }
    ).data;
    const edited = await call(`/api/knowledge/chunks/${chunks[0]?.id}`, {
      method: "PATCH",
      json: { content: "Windscreen wipers need new blades each winter." },
    });
    expect(edited.status).toBe(204);
    const test = await call(`/api/knowledge/datasets/${baseId}/hit-test`, {
      method: "POST",
      json: { query: "wiper blades winter" },
    });
    const body = (await test.json()) as Record<
      "vector" | "fulltext" | "hybrid",
      { hits: Array<{ content: string; scores: object }> }
    >;
    for (const mode of ["vector", "fulltext", "hybrid"] as const)
      expect(body[mode].hits[0]?.content, mode).toContain("wipers");
    expect(body.hybrid.hits[0]?.scores).toHaveProperty("vector");
    expect(body.hybrid.hits[0]?.scores).toHaveProperty("fulltext");
  });

  it("embeds and reranks through the gateway", async () => {
    const created = await call("/api/knowledge/datasets", {
      method: "POST",
      json: { name: "gateway-embedded", embeddingModel: "double/test-embed" },
    });
    const gatewayBase = (await created.json()) as { id: string };
    const posted = await call(`/api/knowledge/datasets/${gatewayBase.id}/documents`, {
      method: "POST",
      json: { name: "g.txt", text: "Anodised aluminium resists corrosion." },
    });
    expect((await settle(((await posted.json()) as Document).id)).status).toBe("ready");
    const base = (await (await call(`/api/knowledge/datasets/${gatewayBase.id}`)).json()) as {
      embeddingDimensions: number;
      embeddingTokens: number;
    };
    expect(base.embeddingDimensions).toBe(8);
    expect(base.embeddingTokens).toBeGreaterThan(0);
    const result = await call("/api/knowledge/search", {
      method: "POST",
      json: {
        knowledgeBaseIds: [gatewayBase.id, baseId],
        query: "aluminium corrosion",
        rerankModel: "double/test-embed",
      },
    });
    const body = (await result.json()) as { reranked: boolean; hits: Array<{ content: string }> };
    expect(body.reranked).toBe(true);
    expect(body.hits.some((hit) => hit.content.includes("Anodised"))).toBe(true);
    expect(upstream.requests.some((request) => request.path === "/v1/embeddings")).toBe(true);
  });

  it("asks the QA model for question-answer pairs per chunk, keeping the text when the reply has none", async () => {
    const created = await call("/api/knowledge/datasets", {
      method: "POST",
      json: { name: "qa", settings: { chunking: { strategy: "qa", qaModel: "double/test-chat" } } },
    });
    const { id } = (await created.json()) as { id: string };
    const posted = await call(`/api/knowledge/datasets/${id}/documents`, {
      method: "POST",
      json: { name: "qa.txt", text: "The compressor stalls when the inlet flow separates." },
    });
    const document = await settle(((await posted.json()) as Document).id);
    expect(document.status).toBe("ready");
    const asked = upstream.requests.filter(
      (request) =>
        request.path === "/v1/chat/completions" &&
        JSON.stringify(request.body).includes("question-answer pairs"),
    );
    expect(asked.length).toBeGreaterThan(0);
    const chunks = (
      (await (await call(`/api/knowledge/documents/${document.id}/chunks`)).json()) as {
        data: Array<{ content: string; metadata: { qa?: string } }>;
      }
    ).data;
    expect(chunks[0]).toMatchObject({
      content: "The compressor stalls when the inlet flow separates.",
      metadata: { qa: "unparsed" },
    });
  });

  it("keeps the indexed version whole when re-embedding fails, says why, and retries", async () => {
    const created = await call("/api/knowledge/datasets", {
      method: "POST",
      json: { name: "switching", embeddingModel: "double/test-embed" },
    });
    const { id } = (await created.json()) as { id: string };
    const posted = await call(`/api/knowledge/datasets/${id}/documents`, {
      method: "POST",
      json: { name: "s.txt", text: "Titanium fasteners prevent galvanic corrosion." },
    });
    const documentId = ((await posted.json()) as Document).id;
    expect((await settle(documentId)).status).toBe("ready");
    await call(`/api/knowledge/datasets/${id}`, {
      method: "PATCH",
      json: { embeddingModel: "double/test-server-error" },
    });
    expect((await call(`/api/knowledge/datasets/${id}/reindex`, { method: "POST" })).status).toBe(202);
    const failed = (await settle(documentId)) as Document & { version: number };
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/indexing failed: .*500|Scripted failure/);
    expect(failed.version).toBe(1);
    const still = await call("/api/knowledge/search", {
      method: "POST",
      json: { knowledgeBaseIds: [id], query: "titanium fasteners", mode: "fulltext" },
    });
    expect(((await still.json()) as { hits: unknown[] }).hits).toHaveLength(1);
    await call(`/api/knowledge/datasets/${id}`, {
      method: "PATCH",
      json: { embeddingModel: "double/test-embed" },
    });
    expect((await call(`/api/knowledge/documents/${documentId}/retry`, { method: "POST" })).status).toBe(202);
    const ready = (await settle(documentId)) as Document & { version: number };
    expect(ready.status).toBe("ready");
    expect(ready.version).toBe(2);
  });

  it("keeps workspaces apart and reports metrics", async () => {
    expect((await call(`/api/knowledge/datasets/${baseId}`, { key: stranger })).status).toBe(404);
    expect(
      (
        await call("/api/knowledge/search", {
          method: "POST",
          key: stranger,
          json: { knowledgeBaseIds: [baseId], query: "pump" },
        })
      ).status,
    ).toBe(404);
    const list = (await (await call("/api/knowledge/datasets", { key: stranger })).json()) as {
      data: unknown[];
    };
    expect(list.data).toHaveLength(0);
    const metrics = await (await server.call("/metrics")).text();
    expect(metrics).toMatch(
      new RegExp(`nexus_knowledge_documents\\{knowledge_base="${baseId}",status="ready"\\} \\d+`),
    );
    expect(metrics).toContain("nexus_knowledge_ingestion_lag_seconds_bucket");
    expect(metrics).toContain("nexus_knowledge_search_seconds_bucket");
    const status = (await (await call("/api/knowledge/status")).json()) as { vectorBackend: string };
    expect(status.vectorBackend).toBe(backend.store === "sqlite" ? "sqlite-vec" : "exact-scan");
  });
});
