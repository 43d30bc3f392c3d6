import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the test doubles (OpenAI, Anthropic) saw of one request, for tests to assert on. */
export interface RecordedRequest {
  method: string;
  /** Path without query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined for bodiless requests. */
  body: unknown;
  /** Set when the client went away before the response was complete. */
  aborted: boolean;
  /** Set once the response was written completely. */
  completed: boolean;
  /** The client's port: requests sharing it came over one kept-alive connection. */
  remotePort?: number;
}

/**
 * Records a request whose body has been read into `requests`, and marks it completed or aborted
 * when its response closes.
 */
export function recordRequest(
  requests: RecordedRequest[],
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  body: unknown,
): RecordedRequest {
  const recorded: RecordedRequest = {
    method: request.method ?? "GET",
    path,
    headers: request.headers,
    body,
    aborted: false,
    remotePort: request.socket.remotePort,
    completed: false,
  };
  requests.push(recorded);
  response.on("close", () => {
    if (response.writableFinished) recorded.completed = true;
    else recorded.aborted = true;
  });
  return recorded;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `server` on a free port of 127.0.0.1 and resolves to its origin, e.g. `http://127.0.0.1:40123`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Stops `server`, cutting its open connections (streams a test left running) rather than waiting. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
