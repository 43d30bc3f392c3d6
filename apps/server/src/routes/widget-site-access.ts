import {
  type ConversationOwner,
  findActiveSiteToken,
  isOriginAllowed,
  type SiteTokenInfo,
  visitorIdPattern,
  widgetOwnerOf,
} from "@nexus/chat";
import { type Database, NexusError } from "@nexus/core";
import { type Charge, type LimitCounters, minuteMs } from "@nexus/gateway";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";

export const siteTokenHeader = "x-nexus-site-token";
export const visitorHeader = "x-nexus-visitor";

/** Who calls the widget API: a site's token and one of its visitors. */
export interface WidgetCaller {
  token: SiteTokenInfo & { workspaceId: string };
  visitorId: string;
  owner: ConversationOwner;
}

/**
 * Preflight answer for the widget API. The browser sends no header values in a preflight, so the
 * token's origins cannot be checked yet: any origin may ask, and the request itself is checked
 * (a page not on the list gets a 403 it cannot even read). No credentials are allowed: the widget
 * uses no cookies, so a signed-in admin's session never rides along.
 */
export function answerWidgetPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const origin = request.headers.origin;
  reply.header("vary", "Origin");
  if (origin) reply.header("access-control-allow-origin", origin);
  return reply
    .header("access-control-allow-methods", "GET, POST")
    .header("access-control-allow-headers", `content-type, ${siteTokenHeader}, ${visitorHeader}`)
    .header("access-control-max-age", "600")
    .code(204)
    .send();
}

/**
 * The widget API's own authentication (its routes are public to the API-key guard): the site
 * token from its header, the page's origin against the token's list, the visitor id, then the
 * visitor's and the site's rate limits (token buckets refilling per minute, in process or in
 * Redis: see the gateway's LimitCounters).
 * CORS headers are set before anything can fail, so the widget can read its errors; except
 * for a page not on the list, which gets no `Access-Control-Allow-Origin` at all.
 */
export function createWidgetSiteAccess(db: Kysely<Database>, counters: LimitCounters) {
  const callers = new WeakMap<FastifyRequest, WidgetCaller>();

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const origin = request.headers.origin;
    reply.header("vary", "Origin");
    const presented = request.headers[siteTokenHeader];
    if (typeof presented !== "string" || presented === "") {
      allowOrigin(reply, origin);
      throw new NexusError("authentication_error", `Missing site token: send it in '${siteTokenHeader}'`);
    }
    const token = await findActiveSiteToken(db, presented);
    if (!token) {
      allowOrigin(reply, origin);
      throw new NexusError("authentication_error", "Invalid or revoked site token");
    }
    if (!isOriginAllowed(token.allowedOrigins, origin)) {
      throw new NexusError(
        "permission_denied",
        origin ? `This site token may not be used from ${origin}` : "This site token needs an Origin header",
      );
    }
    allowOrigin(reply, origin);
    const visitorId = request.headers[visitorHeader];
    if (typeof visitorId !== "string" || !visitorIdPattern.test(visitorId)) {
      throw new NexusError(
        "invalid_request",
        `Send a visitor id in '${visitorHeader}': 16 to 64 letters, digits, '-' or '_'`,
      );
    }
    // One atomic step: a visitor refused takes nothing from the site's bucket, and the other way round.
    const decision = await takeRequest(counters, [
      { key: `{widget:${token.id}}:visitor:${visitorId}`, limit: token.visitorRequestsPerMinute, who: "you" },
      { key: `{widget:${token.id}}:site`, limit: token.requestsPerMinute, who: "this site" },
    ]);
    if (decision) {
      reply.header("retry-after", String(decision.retryAfterSeconds));
      throw new NexusError(
        "rate_limited",
        `Too many requests from ${decision.who}; try again in ${decision.retryAfterSeconds} s`,
      );
    }
    callers.set(request, { token, visitorId, owner: widgetOwnerOf(token, visitorId) });
  }

  return {
    /** An `onRequest` hook for the widget API's routes (not their preflights). */
    authenticate,
    /** The caller `authenticate` let through. */
    callerOf(request: FastifyRequest): WidgetCaller {
      const caller = callers.get(request);
      if (!caller) throw new NexusError("authentication_error", "Missing site token");
      return caller;
    },
  };
}

function allowOrigin(reply: FastifyReply, origin: string | undefined): void {
  if (!origin) return;
  reply.header("access-control-allow-origin", origin);
  reply.header("access-control-expose-headers", "retry-after");
}

async function takeRequest(
  counters: LimitCounters,
  buckets: Array<{ key: string; limit: number; who: string }>,
): Promise<{ retryAfterSeconds: number; who: string } | undefined> {
  const charges: Charge[] = buckets.map(({ key, limit }) => ({
    key,
    kind: "rate",
    limit,
    amount: 1,
    minimum: 1,
    seed: 0,
    expiresAt: 0,
  }));
  const reservation = await counters.reserve(charges, Date.now());
  if (reservation.admitted) return undefined;
  const bucket = buckets[reservation.index] as { limit: number; who: string };
  // A bucket refills `limit` per minute: wait until one whole request is back.
  const missing = 1 - reservation.available;
  return {
    retryAfterSeconds: Math.max(1, Math.ceil((missing * minuteMs) / bucket.limit / 1000)),
    who: bucket.who,
  };
}
