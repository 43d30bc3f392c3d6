import { createServer, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { listenOnLoopback } from "./test-http.ts";

/**
 * A stand-in for Hugging Face or any file host in tests: a real HTTP server on 127.0.0.1 serving
 * byte buffers at paths, with HEAD and single `Range` requests answered as a CDN does (206,
 * `Content-Range`, `Accept-Ranges`), so downloaders resume and split connections for real.
 * Query strings are ignored (`?download=true`). Unknown paths answer 404.
 *
 * @example
 * const host = await startModelFileServer({ "/u/r/resolve/main/m.gguf": fs.readFileSync(model) });
 * await pullModel({ source: `${host.origin}/u/r/resolve/main/m.gguf`, modelsDir });
 */
export interface ModelFileServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request, in order: method, path without query, and the Range header if any. */
  requests: Array<{ method: string; path: string; range?: string }>;
  /** Serves `body` at `path` from now on. */
  put(path: string, body: Buffer, contentType?: string): void;
  close(): Promise<void>;
}

export interface ModelFileServerOptions {
  /** Throttles GET bodies to about this rate (a slow link, to stop a download midway). */
  bytesPerSecond?: number;
}

interface ServedFile {
  body: Buffer;
  contentType: string;
}

export async function startModelFileServer(
  files: Record<string, Buffer> = {},
  options: ModelFileServerOptions = {},
): Promise<ModelFileServer> {
  const served = new Map<string, ServedFile>(
    Object.entries(files).map(([path, body]) => [path, { body, contentType: "application/octet-stream" }]),
  );
  const requests: ModelFileServer["requests"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const range = request.headers.range;
    requests.push({ method: request.method ?? "GET", path, ...(range ? { range } : {}) });
    const file = served.get(path);
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("Entry not found");
      return;
    }
    const size = file.body.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
    if (match) {
      start = match[1] ? Number(match[1]) : Math.max(0, size - Number(match[2]));
      end = match[1] && match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        response.writeHead(416, { "content-range": `bytes */${size}` });
        response.end();
        return;
      }
      status = 206;
    }
    const headers: Record<string, string | number> = {
      "content-type": file.contentType,
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    };
    response.writeHead(status, headers);
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    const body = file.body.subarray(start, end + 1);
    if (options.bytesPerSecond) void dribble(response, body, options.bytesPerSecond);
    else response.end(body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    origin: await listenOnLoopback(server),
    requests,
    put: (path, body, contentType = "application/octet-stream") => served.set(path, { body, contentType }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `body` in 20 slices a second at about `bytesPerSecond`, until done or the client leaves. */
async function dribble(response: ServerResponse, body: Buffer, bytesPerSecond: number): Promise<void> {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 20));
  for (let offset = 0; offset < body.length; offset += slice) {
    if (response.destroyed) return;
    response.write(body.subarray(offset, offset + slice));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  response.end();
}
