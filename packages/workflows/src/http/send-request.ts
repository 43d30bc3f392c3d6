import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { HttpRequestError } from "./http-request-error.ts";
import { guardedLookup, type HostPolicy } from "./ssrf-guard.ts";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  policy: HostPolicy;
  timeouts: { connectMs: number; writeMs: number; readMs: number };
  maxBytes: number;
  verifyTls: boolean;
  signal?: AbortSignal;
}

/** Keep-alive agents per allow-list, so a socket opened under one policy never serves another. */
const agents = new Map<string, { http: http.Agent; https: https.Agent }>();

function agentsFor(policyKey: string) {
  let pair = agents.get(policyKey);
  if (!pair) {
    pair = {
      http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
    };
    agents.set(policyKey, pair);
  }
  return pair;
}

/** A kept-alive socket the server closed as we reused it: the server never saw the request. */
class StaleSocketError extends Error {}

const staleCodes = new Set(["ECONNRESET", "EPIPE"]);

/**
 * One HTTP exchange with Dify's three timeouts (connect, write, read = longest silence). A request
 * sent on a reused keep-alive socket that the server closed at that moment (its idle timeout) fails
 * before any response byte; it is sent again once on a new connection, as browsers do, since the
 * server closed the socket without reading it.
 */
export async function sendOnce(options: SendOptions): Promise<RawResponse> {
  try {
    return await exchange(options, true);
  } catch (error) {
    if (!(error instanceof StaleSocketError)) throw error;
    return exchange(options, false);
  }
}

function exchange(options: SendOptions, reuse: boolean): Promise<RawResponse> {
  const { url, timeouts } = options;
  const secure = url.protocol === "https:";
  const pair = agentsFor(options.policy.key);
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const phase = (milliseconds: number, message: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new HttpRequestError("timeout", message)), milliseconds);
    };
    const headers = { ...options.headers };
    if (options.body) headers["Content-Length"] = String(options.body.length);
    const request = (secure ? https : http).request(url, {
      method: options.method,
      headers,
      // The retry after a stale socket opens a new connection rather than take another idle one.
      agent: reuse ? (secure ? pair.https : pair.http) : false,
      lookup: guardedLookup(options.policy) as never,
      ...(secure ? { rejectUnauthorized: options.verifyTls } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    phase(timeouts.connectMs, `could not connect to ${url.host} within ${timeouts.connectMs / 1000} s`);
    request.on("socket", (socket) => {
      const connected = () => {
        phase(
          timeouts.writeMs,
          `sending the request to ${url.host} took longer than ${timeouts.writeMs / 1000} s`,
        );
      };
      if (socket.connecting) socket.once("connect", connected);
      else connected();
    });
    request.on("finish", () => {
      phase(timeouts.readMs, `${url.host} sent no response within ${timeouts.readMs / 1000} s`);
    });
    let responded = false;
    request.on("error", (error: Error & { code?: string }) => {
      if (error instanceof HttpRequestError) fail(error);
      else if (request.reusedSocket && !responded && staleCodes.has(error.code ?? "")) {
        fail(new StaleSocketError(error.message));
      } else if (error.name === "AbortError")
        fail(new HttpRequestError("aborted", "the request was cancelled"));
      else
        fail(
          new HttpRequestError("connection", `request to ${url.host} failed: ${error.code ?? error.message}`),
        );
    });
    request.on("response", (response) => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      phase(timeouts.readMs, `${url.host} stopped sending the response for ${timeouts.readMs / 1000} s`);
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          fail(
            new HttpRequestError(
              "too_large",
              `the response from ${url.host} is larger than ${options.maxBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
        phase(timeouts.readMs, `${url.host} stopped sending the response for ${timeouts.readMs / 1000} s`);
      });
      response.on("error", (error) =>
        fail(new HttpRequestError("connection", `reading the response failed: ${error.message}`)),
      );
      response.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    request.end(options.body ?? undefined);
  });
}
