import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

/**
 * Takes the response over from Fastify (hijack: it sends nothing itself) and starts a server-sent
 * event stream on it. The reply's headers so far (the request id) go with it, and proxies are told
 * not to buffer it; the caller writes the events and ends the response.
 */
export function startEventStream(reply: FastifyReply): ServerResponse {
  const response = reply.raw;
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) response.setHeader(name, value);
  }
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  return response;
}
