/**
 * Who is asking and until when: passed with every gateway call so routing, limits, cache and
 * usage act per workspace and per key.
 */
export interface RequestContext {
  workspaceId: string;
  /**
   * The API key that made the call (for a web session, the key it signed in with); null for a
   * login-link session and for Nexus's own background callers.
   */
  apiKeyId: string | null;
  /** Aborted when the client goes away; every upstream call made for the request stops with it. */
  signal: AbortSignal;
  /** For log lines and usage rows. */
  requestId?: string;
  /** From the `x-nexus-cache` header: `no-cache` skips the cache lookup (still stores), `no-store` skips both. */
  cacheDirective?: "default" | "no-cache" | "no-store";
}
