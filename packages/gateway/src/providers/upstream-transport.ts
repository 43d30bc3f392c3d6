import { type Dispatcher, Pool } from "undici";
import type { UpstreamAbort } from "./upstream-call.ts";

export interface UpstreamTransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000/v1`; request paths are relative to it unless `fromRoot`. */
  baseURL: string;
  /** Sent with every request (authorization, organization, …). */
  headers?: Record<string, string>;
  /** Keep-alive connections per pool; more requests wait in undici's queue. Default 256. */
  maxConnections?: number;
}

export interface UpstreamRequest {
  /** `/chat/completions`: appended to the base URL's path (and its query, if it has one). */
  path: string;
  /** Resolve `path` against the server root instead of the base URL (vLLM's `/metrics`). */
  fromRoot?: boolean;
  /** A JSON body makes it a POST; none a GET. */
  body?: string;
  /** Aborting destroys the request's connection at once, before or during the answer. */
  signal: AbortSignal | UpstreamAbort;
  /** Milliseconds allowed to establish a connection when none is free. */
  connectMs: number;
}

/** An answer whose headers arrived; the body is a Node stream of Buffers, not yet read. */
export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * HTTP to one upstream origin over undici's `Pool`: keep-alive connections reused across
 * requests, no pipelining (one request per connection at a time, so a slow stream never holds
 * up another), Node streams for bodies. This is the whole of what a bare reverse proxy does, and
 * it skips fetch's WHATWG layer (web streams, Request/Response objects, signal cloning), which
 * dominated the gateway's CPU profile.
 *
 * undici takes the connect timeout per pool, not per request, so there is one pool per distinct
 * connect timeout (in practice one, or a few when aliases set their own).
 *
 * @example
 * const transport = createUpstreamTransport({ baseURL: "http://127.0.0.1:8000/v1" });
 * const answer = await transport.request({ path: "/models", signal, connectMs: 5_000 });
 * const text = await answer.body.text();
 */
export interface UpstreamTransport {
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Finishes requests in flight, then closes every connection. */
  close(): Promise<void>;
}

export function createUpstreamTransport(options: UpstreamTransportOptions): UpstreamTransport {
  const base = new URL(options.baseURL);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, "");
  const query = base.search;
  const getHeaders: Record<string, string> = { ...options.headers };
  const postHeaders: Record<string, string> = { "content-type": "application/json", ...options.headers };
  const connections = options.maxConnections ?? 256;
  const pools = new Map<number, Pool>();
  let closed = false;

  const poolFor = (connectMs: number): Pool => {
    let pool = pools.get(connectMs);
    if (!pool) {
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        connect: { timeout: connectMs },
        // The caller's own timers (first token, total) govern; undici's would cut long generations.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      pools.set(connectMs, pool);
    }
    return pool;
  };

  return {
    request(request) {
      const pool = closed ? undefined : poolFor(request.connectMs);
      if (!pool) return Promise.reject(new Error(`The connection pool for ${origin} is closed`));
      const hasBody = request.body !== undefined;
      return pool.request({
        path: request.fromRoot ? request.path : `${basePath}${request.path}${query}`,
        method: hasBody ? "POST" : "GET",
        headers: hasBody ? postHeaders : getHeaders,
        body: request.body,
        signal: request.signal,
      });
    },

    async close() {
      closed = true;
      const open = [...pools.values()];
      pools.clear();
      await Promise.allSettled(open.map((pool) => pool.close()));
    },
  };
}

/** Reads a whole body as text; never throws (an error page that breaks off is still an error). */
export async function readBodyText(body: UpstreamResponse["body"]): Promise<string> {
  try {
    return await body.text();
  } catch {
    return "";
  }
}
