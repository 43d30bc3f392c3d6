import {
  type EventBus,
  findActiveKeyByHash,
  findWebSession,
  hashApiKey,
  type Logger,
  looksLikeApiKey,
  type Role,
  type Store,
  touchApiKeys,
} from "@nexus/core";

/** Who is calling: the workspace a key or session belongs to, and its role there. */
export interface Principal {
  workspaceId: string;
  workspaceSlug: string;
  role: Role;
  /** The API key used (directly or to open the session); null for a login-link session. */
  keyId: string | null;
  via: "key" | "session";
}

interface CacheEntry {
  principal: Principal | null;
  expiresAt: number;
}

export const keyRevokedTopic = "auth.key.revoked";

const positiveTtlMs = 10_000;
const negativeTtlMs = 5_000;
const maxEntries = 10_000;
const touchFlushMs = 60_000;

/**
 * Resolves keys and session tokens to principals. Lookups are cached so an authenticated
 * request costs a hash and a map read; revocations are broadcast on the event bus so every
 * replica drops the key at once, with the TTL as a backstop. Last-use times are batched.
 * The in-memory cache is keyed by the key as sent: a SHA-256 per request cost more than the rest
 * of the lookup, the key sits in this process's memory during each request anyway, and an entry
 * lives at most a few seconds. Only hashes are ever stored.
 */
export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  /** Key id → last use (epoch ms); formatted only when flushed, not on every request. */
  private readonly lastUsed = new Map<string, number>();
  private readonly flushTimer: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {
    this.flushTimer = setInterval(() => void this.flushLastUsed(), touchFlushMs);
    this.flushTimer.unref();
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.events.subscribe<{ keyId: string }>(keyRevokedTopic, (event) =>
      this.forgetKey(event.payload.keyId),
    );
  }

  /** The principal for a key if it is cached and live; undefined when a lookup is needed. */
  cachedKey(key: string): Principal | undefined {
    if (!looksLikeApiKey(key)) return undefined;
    const principal = this.liveEntry(key)?.principal;
    if (!principal) return undefined;
    this.noteUse(principal);
    return principal;
  }

  async authenticateKey(key: string): Promise<Principal | null> {
    if (!looksLikeApiKey(key)) return null;
    const entry = this.liveEntry(key);
    let principal: Principal | null;
    if (entry) {
      principal = entry.principal;
    } else {
      const row = await findActiveKeyByHash(this.store.db, hashApiKey(key));
      principal = row ? { ...row, via: "key" } : null;
      this.remember(key, principal);
    }
    if (principal) this.noteUse(principal);
    return principal;
  }

  async authenticateSession(token: string): Promise<Principal | null> {
    if (token.length > 200) return null;
    const session = await findWebSession(this.store.db, token);
    if (!session) return null;
    return {
      workspaceId: session.workspaceId,
      workspaceSlug: session.workspaceSlug,
      role: session.role,
      keyId: session.keyId,
      via: "session",
    };
  }

  /** Call after revoking a key: forgets it here and tells other replicas. */
  async keyRevoked(keyId: string): Promise<void> {
    this.forgetKey(keyId);
    await this.events.publish(keyRevokedTopic, { keyId });
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.unsubscribe?.();
    await this.flushLastUsed();
  }

  private liveEntry(key: string): CacheEntry | undefined {
    const entry = this.cache.get(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }

  private noteUse(principal: Principal): void {
    if (principal.keyId) this.lastUsed.set(principal.keyId, Date.now());
  }

  private remember(key: string, principal: Principal | null): void {
    if (this.cache.size >= maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, {
      principal,
      expiresAt: Date.now() + (principal ? positiveTtlMs : negativeTtlMs),
    });
  }

  private forgetKey(keyId: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.keyId === keyId) this.cache.delete(hash);
    }
  }

  private async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = new Map<string, string>();
    for (const [keyId, usedAt] of this.lastUsed) batch.set(keyId, new Date(usedAt).toISOString());
    this.lastUsed.clear();
    try {
      await touchApiKeys(this.store.db, batch);
    } catch (error) {
      this.logger.warn({ err: error }, "could not record API key last use");
    }
  }
}
