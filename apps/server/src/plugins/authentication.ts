import { NexusError, type Role } from "@nexus/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Authenticator, Principal } from "../auth/authenticator.ts";

export const sessionCookie = "nexus_session";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Route answers without a key (health, login, docs). */
    public?: boolean;
  }
}

const roleRank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function hasRole(principal: Principal, minimum: Role): boolean {
  return roleRank[principal.role] >= roleRank[minimum];
}

/** Every /api and /v1 route needs a key (Bearer or x-api-key) or a web session unless marked public. */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest("principal", null);
  // Callback style with a synchronous cache hit: this hook runs on every API request.
  app.addHook("onRequest", (request, _reply, done) => {
    const path = request.url;
    const guarded = path.startsWith("/api/") || path === "/api" || path.startsWith("/v1/") || path === "/v1";
    if (!guarded || request.routeOptions.config.public) return done();
    const key = presentedKey(request);
    const cached = key === undefined ? undefined : authenticator.cachedKey(key);
    if (cached) {
      request.principal = cached;
      return done();
    }
    identify(request, authenticator).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });
}

const bearerPattern = /^Bearer\s+(\S+)$/i;

/** The API key a request presents: `Authorization: Bearer <key>`, or `x-api-key` as Anthropic clients send it. */
function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = bearerPattern.exec(request.headers.authorization ?? "")?.[1];
  if (bearer) return bearer;
  const headerKey = request.headers["x-api-key"];
  return typeof headerKey === "string" && headerKey !== "" ? headerKey : undefined;
}

async function identify(request: FastifyRequest, authenticator: Authenticator): Promise<Principal> {
  const key = presentedKey(request);
  if (key !== undefined) {
    const principal = await authenticator.authenticateKey(key);
    if (!principal) throw new NexusError("authentication_error", "Invalid or revoked API key");
    return principal;
  }
  if (request.headers.authorization !== undefined || request.headers["x-api-key"] !== undefined) {
    throw new NexusError("authentication_error", "Authorization header must be 'Bearer <API key>'");
  }
  const token = readCookie(request.headers.cookie, sessionCookie);
  if (token) {
    const principal = await authenticator.authenticateSession(token);
    if (!principal) throw new NexusError("authentication_error", "Session expired; sign in again");
    return principal;
  }
  throw new NexusError(
    "authentication_error",
    "Missing API key: send 'Authorization: Bearer <key>' (create one with `nexus keys create`)",
  );
}

/** The caller, for routes behind authentication. */
export function principalOf(request: FastifyRequest, minimum: Role = "member"): Principal {
  const principal = request.principal;
  if (!principal) throw new NexusError("authentication_error", "Not signed in");
  if (!hasRole(principal, minimum)) {
    throw new NexusError(
      "permission_denied",
      `This needs the ${minimum} role; your key is ${principal.role}`,
    );
  }
  return principal;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [rawName, ...rest] = part.trim().split("=");
    if (rawName === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

/**
 * A `preValidation` hook: checks the role before the body is validated, so a member learns
 * "not allowed" rather than what a valid body would look like.
 */
export function requireRole(minimum: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    principalOf(request, minimum);
  };
}
