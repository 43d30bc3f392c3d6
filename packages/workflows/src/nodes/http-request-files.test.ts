import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkflow } from "../engine/run-workflow.ts";
import { buildDefinition } from "../testing/graph-builder.ts";
import { builtinNodes, createNodeRegistry } from "./registry.ts";

const registry = createNodeRegistry(builtinNodes);
/** Bytes no text decoding survives: NUL, 0xff, a lone CR LF, invalid UTF-8. */
const binaryBytes = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0x41, 0x00, 0xc3]);

let server: Server;
let base: string;
const received: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/remote.bin") {
      response.writeHead(200, { "content-type": "application/octet-stream" }).end(binaryBytes);
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The parts of a multipart body, split on its boundary as a server would: headers and raw bytes. */
function multipartParts(body: Buffer, contentType: string) {
  const boundary = contentType.match(/boundary=(.+)$/)?.[1] as string;
  const parts: Array<{ headers: string; bytes: Buffer }> = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  while (position !== -1) {
    const start = position + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    const part = body.subarray(start + 2, next - 2); // drop the CRLF after the delimiter and before the next
    const split = part.indexOf("\r\n\r\n");
    parts.push({ headers: part.subarray(0, split).toString(), bytes: part.subarray(split + 4) });
    position = next;
  }
  return parts;
}

function requestWorkflow(body: Record<string, unknown>) {
  return buildDefinition(
    [
      ["start", { type: "start", variables: [] }],
      ["call", { type: "http-request", method: "post", url: `${base}/upload`, body }],
      ["end", { type: "end", outputs: [{ variable: "status", value_selector: ["call", "status_code"] }] }],
    ],
    [
      ["start", "call"],
      ["call", "end"],
    ],
  );
}

function run(body: Record<string, unknown>, inputs: Record<string, unknown>) {
  return runWorkflow({
    definition: requestWorkflow(body),
    registry,
    services: { workspaceId: "ws", apiKeyId: null, mode: "workflow", allowedHosts: ["127.0.0.1"] },
    inputs,
    system: { workflow_run_id: "run_files" },
  });
}

const report = {
  filename: "wing report.bin",
  mime_type: "application/x-wing",
  transfer_method: "inline",
  content_base64: binaryBytes.toString("base64"),
};

describe("http-request file bodies", () => {
  it("sends a file variable as the binary body, byte for byte, with its type", async () => {
    const outcome = await run(
      { type: "binary", data: [{ type: "file", file: ["start", "report"] }] },
      { report },
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs.status).toBe(200);
    const last = received.at(-1);
    expect(last?.headers["content-type"]).toBe("application/x-wing");
    expect(last?.body.equals(binaryBytes)).toBe(true);
  });

  it("sends form-data text fields and file fields (a list sends every file)", async () => {
    const notes = [
      { filename: "a.txt", mime_type: "text/plain", text: "first note" },
      { filename: "b.bin", remote_url: `${base}/remote.bin` },
    ];
    const outcome = await run(
      {
        type: "form-data",
        data: [
          { key: "title", type: "text", value: "Wing {{#sys.workflow_run_id#}}" },
          { key: "report", type: "file", file: ["start", "report"] },
          { key: "notes", type: "file", file: ["start", "notes"] },
        ],
      },
      { report, notes },
    );
    expect(outcome.error).toBeUndefined();
    const last = received.at(-1);
    const contentType = String(last?.headers["content-type"]);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const parts = multipartParts(last?.body as Buffer, contentType);
    expect(parts.map((part) => part.headers)).toEqual([
      'Content-Disposition: form-data; name="title"',
      'Content-Disposition: form-data; name="report"; filename="wing report.bin"\r\nContent-Type: application/x-wing',
      'Content-Disposition: form-data; name="notes"; filename="a.txt"\r\nContent-Type: text/plain',
      'Content-Disposition: form-data; name="notes"; filename="b.bin"\r\nContent-Type: application/octet-stream',
    ]);
    expect(parts[0]?.bytes.toString()).toBe("Wing run_files");
    expect(parts[1]?.bytes.equals(binaryBytes)).toBe(true);
    expect(parts[2]?.bytes.toString()).toBe("first note");
    expect(parts[3]?.bytes.equals(binaryBytes)).toBe(true);
  });

  it("refuses a missing file, a list as the binary body, a local path and files in a urlencoded body", async () => {
    const count = received.length;
    const binary = { type: "binary", data: [{ type: "file", file: ["start", "report"] }] };
    expect((await run(binary, {})).error).toMatch(/start\.report holds no file/);
    expect((await run(binary, { report: [report, report] })).error).toMatch(
      /binary body sends one file; .* 2/,
    );
    expect((await run(binary, { report: { filename: "passwd", path: "/etc/passwd" } })).error).toMatch(
      /start\.report: the value is not a file/,
    );
    const encoded = {
      type: "x-www-form-urlencoded",
      data: [{ key: "f", type: "file", file: ["start", "report"] }],
    };
    expect((await run(encoded, { report })).error).toMatch(/only be sent in form-data and binary bodies/);
    expect(received.length).toBe(count);
  });
});
