import { invalidRequest } from "@nexus/core";

/** The methods an `api` trigger answers (Motia's API steps). */
export const apiTriggerMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type ApiTriggerMethod = (typeof apiTriggerMethods)[number];

const literalSegment = /^[A-Za-z0-9_-]{1,64}$/;
const paramSegment = /^:[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const maxPathLength = 200;
const maxSegments = 16;

/** A checked route: the path as shown (`/orders/:id`) and its shape, unique per workspace (`POST /orders/:`). */
export interface ApiRoute {
  method: ApiTriggerMethod;
  path: string;
  route: string;
}

/**
 * Checks a route chosen by a user: segments of letters, digits, `_` and `-`, or `:name`
 * parameters; no empty segment, no `.` (so no `..`), at most 16 segments and 200 characters.
 * Leading and trailing slashes are optional.
 */
export function parseApiRoute(method: string | undefined, path: string | undefined): ApiRoute {
  const upper = (method ?? "").toUpperCase();
  if (!(apiTriggerMethods as readonly string[]).includes(upper)) {
    throw invalidRequest(`An api trigger needs a method: one of ${apiTriggerMethods.join(", ")}`, "method");
  }
  if (typeof path !== "string" || path.length === 0 || path.length > maxPathLength) {
    throw invalidRequest(
      `An api trigger needs a path of 1 to ${maxPathLength} characters, e.g. 'orders/:id'`,
      "path",
    );
  }
  const segments = path.replace(/^\//, "").replace(/\/$/, "").split("/");
  if (segments.length > maxSegments) {
    throw invalidRequest(`An api trigger's path has at most ${maxSegments} segments`, "path");
  }
  const names = new Set<string>();
  for (const segment of segments) {
    if (paramSegment.test(segment)) {
      if (names.has(segment)) throw invalidRequest(`The path names parameter '${segment}' twice`, "path");
      names.add(segment);
    } else if (!literalSegment.test(segment)) {
      throw invalidRequest(
        `Invalid path segment '${segment.slice(0, 70)}': use letters, digits, '_' and '-' (1 to 64), or ':name' for a parameter`,
        "path",
      );
    }
  }
  const shape = segments.map((segment) => (segment.startsWith(":") ? ":" : segment)).join("/");
  return { method: upper as ApiTriggerMethod, path: `/${segments.join("/")}`, route: `${upper} /${shape}` };
}

/**
 * Matches a request's path (already split, without the prefix) against a route's path; the
 * path parameters when it matches. A literal segment beats a parameter: `rank` orders the matches.
 */
export function matchApiRoute(
  routePath: string,
  requestSegments: string[],
): { params: Record<string, string>; rank: string } | undefined {
  const segments = routePath.slice(1).split("/");
  if (segments.length !== requestSegments.length) return undefined;
  const params: Record<string, string> = {};
  let rank = "";
  for (const [index, segment] of segments.entries()) {
    const actual = requestSegments[index] as string;
    if (segment.startsWith(":")) {
      if (actual === "") return undefined;
      params[segment.slice(1)] = actual;
      rank += "1";
    } else {
      if (segment !== actual) return undefined;
      rank += "0";
    }
  }
  return { params, rank };
}
