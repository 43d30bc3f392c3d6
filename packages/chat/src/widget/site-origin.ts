/**
 * Whether a request from `origin` (its `Origin` header) may use a token allowing
 * `allowedOrigins`. An empty list allows any origin, and requests without one (not from a
 * browser page). A list needs an origin on it: a browser always sends `Origin` on the widget's
 * cross-origin requests, so only a page that is not on the list is refused.
 */
export function isOriginAllowed(allowedOrigins: readonly string[], origin: string | undefined): boolean {
  if (allowedOrigins.length === 0) return true;
  return origin !== undefined && allowedOrigins.includes(origin);
}
