import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDocx, makePdf } from "../../../packages/knowledge/src/testing/test-files.ts";
import { startTestServer, type TestServer } from "./test-server.ts";

const yaml = `
app: { mode: workflow, name: extract }
kind: app
version: 0.3.1
workflow:
  graph:
    edges:
    - { id: e1, source: start, target: extract, sourceHandle: source, targetHandle: target }
    - { id: e2, source: extract, target: end, sourceHandle: source, targetHandle: target }
    nodes:
    - id: start
      data:
        type: start
        title: Start
        variables:
        - { variable: docs, label: docs, type: file-list, required: true }
    - id: extract
      data: { type: document-extractor, title: Extract, variable_selector: [start, docs], is_array_file: true }
    - id: end
      data:
        type: end
        title: End
        outputs:
        - { variable: text, value_selector: [extract, text], value_type: 'array[string]' }
`;

const file = (filename: string, bytes: Buffer | string, mime_type: string) => ({
  type: "document",
  filename,
  mime_type,
  transfer_method: "inline",
  content_base64: Buffer.from(bytes).toString("base64"),
});

/** The document-extractor node run through the server, which wires in the knowledge parsers. */
describe("workflow document extractor with the knowledge parsers", () => {
  let server: TestServer;
  let key: string;
  let workflowId: string;

  const runWith = async (docs: unknown[]) => {
    const response = await server.call(`/api/workflows/${workflowId}/runs`, {
      key,
      method: "POST",
      json: { inputs: { docs }, response_mode: "blocking" },
    });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    return (JSON.parse(body) as { data: { status: string; error?: string; outputs: { text?: string[] } } })
      .data;
  };

  beforeAll(async () => {
    server = await startTestServer();
    key = await server.key("ai-workflow");
    const imported = await server.call("/api/workflows/import", { key, method: "POST", json: { yaml } });
    const body = await imported.text();
    expect(imported.status, body).toBe(201);
    workflowId = (JSON.parse(body) as { workflow: { id: string } }).workflow.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("reads PDF, DOCX, HTML and CSV files made in the test", async () => {
    const run = await runWith([
      file(
        "wings.pdf",
        makePdf(["Lift coefficients of slender wings", "Drag rise near Mach one"]),
        "application/pdf",
      ),
      file(
        "memo.docx",
        makeDocx(["Flutter margins", "Tail buffeting"]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      ),
      file(
        "page.html",
        "<html><head><title>Shocks</title><script>var tracking = 1;</script></head><body><article><h1>Shock waves</h1><p>Oblique shocks bend the flow.</p></article></body></html>",
        "text/html",
      ),
      file("spans.csv", "name,span\nDelta,12.5\n", "text/csv"),
    ]);
    expect(run.error ?? null, run.error ?? "").toBeNull();
    expect(run.status).toBe("succeeded");
    const [pdf, docx, html, csv] = run.outputs.text ?? [];
    expect(pdf).toContain("Lift coefficients of slender wings");
    expect(pdf).toContain("Drag rise near Mach one");
    expect(docx).toContain("Flutter margins");
    expect(docx).toContain("Tail buffeting");
    expect(html).toContain("Oblique shocks bend the flow.");
    expect(html).not.toContain("tracking");
    expect(csv).toBe("name: Delta\nspan: 12.5");
  });

  it("a file with no text fails the run saying why", async () => {
    const run = await runWith([file("scan.pdf", makePdf([""]), "application/pdf")]);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/Cannot extract text from 'scan.pdf'/);
  });
});
