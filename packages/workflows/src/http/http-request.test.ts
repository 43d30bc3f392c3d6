import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeHttpRequest, HttpRequestError, type HttpRequestNodeData } from "./http-request.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
let port: number;
const seen: Seen[] = [];

function route(request: IncomingMessage, body: string, response: ServerResponse): void {
  const path = new URL(request.url ?? "/", "http://x").pathname;
  if (path === "/slow") return; // never answers
  if (path === "/redirect") {
    response.writeHead(302, { location: `${base}/echo?from=redirect` }).end();
    return;
  }
  if (path === "/redirect-out") {
    response.writeHead(302, { location: `http://127.0.0.2:${port}/echo` }).end();
    return;
  }
  if (path === "/big") {
    response.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(50_000));
    return;
  }
  if (path === "/image") {
    response.writeHead(200, { "content-type": "image/png" }).end(Buffer.from([137, 80, 78, 71, 1, 2, 3]));
    return;
  }
  if (path === "/gzip") {
    response
      .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      .end(gzipSync('{"ok":true}'));
    return;
  }
  if (path === "/missing") {
    response.writeHead(404, { "content-type": "text/plain" }).end("no such thing");
    return;
  }
  response.writeHead(200, { "content-type": "application/json", "x-answer": "42" });
  response.end(JSON.stringify({ method: request.method, url: request.url, body }));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      route(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const variables: Record<string, string> = {
  "start.q": "hello world",
  "start.token": "s3cret",
  "start.name": "Ada",
};
const render = (text: string) =>
  text.replace(/\{\{#([\w.]+)#\}\}/g, (_match, key: string) => variables[key] ?? "");
const allowLocal = { allowedHosts: ["127.0.0.1"] };

function node(data: Partial<HttpRequestNodeData> & { url: string }): HttpRequestNodeData {
  return { method: "get", ...data } as HttpRequestNodeData;
}

async function refusal(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

describe("executeHttpRequest", () => {
  it("sends a GET with rendered URL, params and headers and returns status, body and headers", async () => {
    const result = await executeHttpRequest(
      node({
        method: "GET" as never,
        url: `${base}/echo?q={{#start.q#}}`,
        params: "page: 2\nwho: {{#start.name#}}",
        headers: "X-Trace: t-{{#start.name#}}\nAccept: application/json",
      }),
      render,
      allowLocal,
    );
    expect(result.status_code).toBe(200);
    expect(result.headers["x-answer"]).toBe("42");
    expect(JSON.parse(result.body)).toMatchObject({
      method: "GET",
      url: "/echo?q=hello%20world&page=2&who=Ada",
    });
    expect(seen.at(-1)?.headers["x-trace"]).toBe("t-Ada");
    expect(result.files).toEqual([]);
  });

  it("sends each body type with its content type", async () => {
    await executeHttpRequest(
      node({
        method: "post",
        url: `${base}/echo`,
        body: { type: "json", data: '{"name": "{{#start.name#}}"}' },
      }),
      render,
      allowLocal,
    );
    expect(seen.at(-1)).toMatchObject({
      body: '{"name": "Ada"}',
      headers: { "content-type": "application/json" },
    });

    await executeHttpRequest(
      node({
        method: "post",
        url: `${base}/echo`,
        body: { type: "x-www-form-urlencoded", data: [{ key: "q", type: "text", value: "{{#start.q#}}" }] },
      }),
      render,
      allowLocal,
    );
    expect(seen.at(-1)).toMatchObject({
      body: "q=hello+world",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });

    await executeHttpRequest(
      node({
        method: "put",
        url: `${base}/echo`,
        body: { type: "form-data", data: "a: 1\nb: {{#start.name#}}" },
      }),
      render,
      allowLocal,
    );
    const form = seen.at(-1) as Seen;
    expect(form.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(form.body).toContain('name="b"\r\n\r\nAda\r\n');

    await executeHttpRequest(
      node({
        method: "patch",
        url: `${base}/echo`,
        body: { type: "raw-text", data: [{ type: "text", value: "plain {{#start.name#}}" }] },
      }),
      render,
      allowLocal,
    );
    expect(seen.at(-1)).toMatchObject({
      method: "PATCH",
      body: "plain Ada",
      headers: { "content-type": "text/plain" },
    });
  });

  it("rejects a JSON body that is not JSON", async () => {
    const error = await refusal(
      executeHttpRequest(
        node({ method: "post", url: `${base}/echo`, body: { type: "json", data: "{oops" } }),
        render,
        allowLocal,
      ),
    );
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("adds bearer, basic and custom API key authorization", async () => {
    const call = (config: Record<string, string>) =>
      executeHttpRequest(
        node({ url: `${base}/echo`, authorization: { type: "api-key", config: config as never } }),
        render,
        allowLocal,
      );
    await call({ type: "bearer", api_key: "{{#start.token#}}" });
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer s3cret");
    await call({ type: "basic", api_key: "user:pass" });
    expect(seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from("user:pass").toString("base64")}`);
    await call({ type: "custom", api_key: "k-1", header: "X-Api-Key" });
    expect(seen.at(-1)?.headers["x-api-key"]).toBe("k-1");
  });

  it("returns non-2xx responses as results", async () => {
    const result = await executeHttpRequest(node({ url: `${base}/missing` }), render, allowLocal);
    expect(result).toMatchObject({ status_code: 404, body: "no such thing" });
  });

  it("follows redirects and decodes gzip", async () => {
    const redirected = await executeHttpRequest(node({ url: `${base}/redirect` }), render, allowLocal);
    expect(JSON.parse(redirected.body).url).toBe("/echo?from=redirect");
    const zipped = await executeHttpRequest(node({ url: `${base}/gzip` }), render, allowLocal);
    expect(zipped.body).toBe('{"ok":true}');
  });

  it("hands a binary response on as a file", async () => {
    const result = await executeHttpRequest(node({ url: `${base}/image` }), render, allowLocal);
    expect(result.body).toBe("");
    expect(result.files).toEqual([
      expect.objectContaining({ type: "image", mime_type: "image/png", filename: "image", size: 7 }),
    ]);
  });

  it("blocks loopback, private, link-local, CGNAT and ULA addresses unless allow-listed", async () => {
    for (const url of [
      `${base}/echo`,
      `http://localhost:${port}/echo`,
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.1/",
      "http://192.168.1.1/",
      "http://100.64.0.1/",
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      "http://[fd00::1]/",
      "http://[fe80::1]/",
      "http://0.0.0.0/",
      // Other spellings of loopback.
      `http://2130706433:${port}/`,
      `http://0x7f.1:${port}/`,
    ]) {
      const error = await refusal(executeHttpRequest(node({ url }), render, {}));
      expect(error.kind, url).toBe("blocked");
    }
    // A trailing-dot name either resolves (and is blocked) or does not: it never reaches the server.
    const before = seen.length;
    await refusal(executeHttpRequest(node({ url: `http://localhost.:${port}/echo` }), render, {}));
    expect(seen.length).toBe(before);
    // localhost resolves to an allow-listed address.
    const local = await executeHttpRequest(
      node({ url: `http://localhost:${port}/echo` }),
      render,
      allowLocal,
    );
    expect(local.status_code).toBe(200);
  });

  it("checks every redirect hop against the guard", async () => {
    const error = await refusal(
      executeHttpRequest(node({ url: `${base}/redirect-out` }), render, allowLocal),
    );
    expect(error.kind).toBe("blocked");
    expect(error.message).toMatch(/127\.0\.0\.2/);
  });

  it("stops at the read timeout and the response size limit", async () => {
    const started = Date.now();
    const slow = await refusal(
      executeHttpRequest(
        node({ url: `${base}/slow`, timeout: { connect: 1, read: 0.2, write: 1 } }),
        render,
        allowLocal,
      ),
    );
    expect(slow.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    const big = await refusal(
      executeHttpRequest(node({ url: `${base}/big` }), render, { ...allowLocal, maxResponseBytes: 10_000 }),
    );
    expect(big.kind).toBe("too_large");
  });

  it("rejects bad settings with a reason", async () => {
    expect(
      (await refusal(executeHttpRequest(node({ url: "ftp://example.com/" }), render, {}))).message,
    ).toMatch(/must start with http/);
    expect((await refusal(executeHttpRequest(node({ url: "http://exa mple.com/" }), render, {}))).kind).toBe(
      "invalid",
    );
    expect(
      (
        await refusal(
          executeHttpRequest({ method: "fetch", url: base } as unknown as HttpRequestNodeData, render, {}),
        )
      ).message,
    ).toMatch(/invalid http-request settings: method/);
    const header = await refusal(
      executeHttpRequest(node({ url: `${base}/echo`, headers: "Bad Header: x" }), render, allowLocal),
    );
    expect(header.message).toMatch(/not a valid header name/);
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await refusal(
      executeHttpRequest(node({ url: `${base}/slow` }), render, { ...allowLocal, signal: controller.signal }),
    );
    expect(error.kind).toBe("aborted");
  });
});
