import { invalidRequest } from "@nexus/core";

/** The request header a client uses to opt out of the response cache. */
export const cacheDirectiveHeader = "x-nexus-cache";

/**
 * What the cache may do for one request (RequestContext.cacheDirective): `default` looks up and
 * stores, `no-cache` only stores the fresh answer (a forced refresh), `no-store` does neither.
 */
export type CacheDirective = "default" | "no-cache" | "no-store";

/**
 * Reads the `x-nexus-cache` header: `no-cache` or `no-store` (case-insensitive; comma-separated
 * or repeated, the stricter wins); absent or empty is `default`. Anything else is a 400, so a
 * typo does not silently serve cached answers.
 *
 * @example
 * const context = { ...context, cacheDirective: parseCacheDirective(request.headers["x-nexus-cache"]) };
 */
export function parseCacheDirective(headerValue: string | string[] | undefined): CacheDirective {
  let directive: CacheDirective = "default";
  const values = headerValue === undefined ? [] : Array.isArray(headerValue) ? headerValue : [headerValue];
  for (const token of values.flatMap((value) => value.split(","))) {
    const name = token.trim().toLowerCase();
    if (name === "") continue;
    if (name === "no-store") directive = "no-store";
    else if (name === "no-cache") directive = directive === "no-store" ? directive : "no-cache";
    else {
      throw invalidRequest(
        `Header '${cacheDirectiveHeader}' takes 'no-cache' or 'no-store', not '${token.trim().slice(0, 40)}'`,
        cacheDirectiveHeader,
      );
    }
  }
  return directive;
}
