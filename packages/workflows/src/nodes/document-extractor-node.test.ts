import { describe, expect, it } from "vitest";
import { runWorkflow } from "../engine/run-workflow.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import type { DocumentFile, KnowledgeRetriever } from "./knowledge-retriever.ts";
import type { RunServices } from "./node-definition.ts";
import { builtinNodes, createNodeRegistry } from "./registry.ts";

const registry = createNodeRegistry(builtinNodes);
const definition = buildDefinition(
  [
    ["start", { type: "start", variables: [] }],
    ["extract", { type: "document-extractor", variable_selector: ["start", "doc"] }],
    ["end", { type: "end", outputs: [{ variable: "text", value_selector: ["extract", "text"] }] }],
  ],
  [
    ["start", "extract"],
    ["extract", "end"],
  ],
);

function run(doc: unknown, knowledge?: KnowledgeRetriever) {
  const services: RunServices = { workspaceId: "ws", apiKeyId: null, mode: "workflow" };
  return runWorkflow({
    definition,
    registry,
    services: knowledge ? { ...services, knowledge } : services,
    inputs: { doc },
    system: { workflow_run_id: "run_extract" },
  });
}

const inline = (filename: string, content: string | Buffer, extra: Record<string, unknown> = {}) => ({
  filename,
  transfer_method: "inline",
  content_base64: Buffer.from(content).toString("base64"),
  ...extra,
});

describe("document-extractor node", () => {
  it("reads plain text files without document parsers (one file → string, a list → strings)", async () => {
    const one = await run(inline("notes.md", "# Flaps\nraise at 120 knots"));
    expect(one.outputs.text).toBe("# Flaps\nraise at 120 knots");
    const list = await run([inline("a.txt", "first"), { filename: "b.csv", text: "x,y\n1,2" }]);
    expect(list.outputs.text).toEqual(["first", "x,y\n1,2"]);
  });

  it("refuses a document it cannot read without parsers, an empty input and a local path", async () => {
    const pdf = await run(inline("report.pdf", "%PDF-1.4 ..."));
    expect(pdf.status).toBe("failed");
    expect(pdf.error).toMatch(/Cannot extract text from 'report.pdf': only plain text files/);
    expect((await run(null)).error).toMatch(/input is empty/);
    expect((await run({ filename: "passwd", path: "/etc/passwd" })).error).toMatch(/not a file/);
  });

  it("hands other formats to the knowledge extractor with name (extension added) and bytes", async () => {
    const seen: DocumentFile[] = [];
    const knowledge: KnowledgeRetriever = {
      retrieve: async () => [],
      extractText: async (file) => {
        seen.push(file);
        if (file.filename.endsWith(".png")) throw new Error("it is an image; it needs OCR");
        return `parsed ${file.bytes.length} bytes`;
      },
    };
    const outcome = await run(inline("scan", Buffer.from([1, 2, 3]), { extension: ".docx" }), knowledge);
    expect(outcome.outputs.text).toBe("parsed 3 bytes");
    expect(seen[0]).toMatchObject({ filename: "scan.docx", mimeType: "application/octet-stream" });
    const image = await run(inline("photo.png", "x"), knowledge);
    expect(image.error).toMatch(/Cannot extract text from 'photo.png': it is an image; it needs OCR/);
  });
});
