import { cacheDirectiveHeader, parseCacheDirective, type RequestContext } from "@nexus/gateway";
import type { FastifyReply, FastifyRequest } from "fastify";
import { principalOf } from "../plugins/authentication.ts";

/**
 * The gateway's view of an HTTP request: the caller's workspace and key, and a signal that aborts
 * when the client goes away before the response is complete (so upstream work stops with it).
 */
export function gatewayRequestContext(request: FastifyRequest, reply: FastifyReply): RequestContext {
  const principal = principalOf(request);
  return {
    workspaceId: principal.workspaceId,
    // A web session acts as the key it signed in with: that key's limits and usage apply.
    apiKeyId: principal.keyId,
    signal: abortedOnClientClose(reply),
    requestId: request.id,
    cacheDirective: parseCacheDirective(request.headers[cacheDirectiveHeader]),
  };
}

function abortedOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client closed the connection"));
  });
  return controller.signal;
}
