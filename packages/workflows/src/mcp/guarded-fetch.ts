import http from "node:http";
import https from "node:https";
import { checkLiteralHost, guardedLookup, type HostPolicy } from "../http/ssrf-guard.ts";

/** The `fetch` shape the MCP SDK's transports accept. */
export type FetchFunction = (url: string | URL, init?: RequestInit) => Promise<Response>;

function bodyBytes(body: RequestInit["body"]): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new Error("the MCP client sent a request body of an unsupported kind");
}

/** The most an MCP server may send in one response (a stream counts as one). */
const maxResponseBytes = 10 * 1024 * 1024;

/**
 * The response body as a web stream, failing past `limit` bytes. Hand-made rather than
 * Readable.toWeb: on Node 20 that throws an uncaught "Controller is already closed" when the
 * reader cancels (the SDK's SSE client does when it closes) while data is still arriving.
 */
function bodyStream(source: http.IncomingMessage, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        if (error) controller.error(error);
        else controller.close();
      };
      source.on("data", (chunk: Buffer) => {
        if (done) return;
        seen += chunk.length;
        if (seen > limit) {
          finish(new Error(`the MCP server sent more than ${limit} bytes`));
          source.destroy();
          return;
        }
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.on("end", () => finish());
      source.on("error", (error) => finish(error));
      source.on("close", () => finish(new Error("the connection closed before the response ended")));
    },
    pull() {
      source.resume();
    },
    cancel() {
      done = true;
      source.destroy();
    },
  });
}

/**
 * A fetch over node:http that connects only where the SSRF guard allows: literal IPs are checked
 * before connecting and host names at DNS lookup, so a workflow cannot point an MCP client at
 * a private address that is not allow-listed. Redirects are not followed (the SDK sees the 3xx);
 * a response past 10 MiB fails.
 */
export function guardedFetch(policy: HostPolicy): FetchFunction {
  return (input, init = {}) => {
    const url = new URL(input.toString());
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Promise.reject(new Error(`an MCP server URL must be http or https (got '${url.protocol}')`));
    }
    try {
      checkLiteralHost(url.hostname, policy);
    } catch (error) {
      return Promise.reject(error);
    }
    const method = (init.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = bodyBytes(init.body);
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(
        url,
        {
          method,
          headers,
          lookup: guardedLookup(policy) as never,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const responseHeaders = new Headers();
          const raw = response.rawHeaders;
          for (let index = 0; index + 1 < raw.length; index += 2) {
            responseHeaders.append(raw[index] as string, raw[index + 1] as string);
          }
          const status = response.statusCode ?? 502;
          const empty = status === 204 || status === 304 || method === "HEAD";
          if (empty) response.resume();
          resolve(
            new Response(empty ? null : bodyStream(response, maxResponseBytes), {
              status,
              statusText: response.statusMessage ?? "",
              headers: responseHeaders,
            }),
          );
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  };
}
