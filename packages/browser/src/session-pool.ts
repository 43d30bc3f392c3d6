import { BrowserError } from "./browser-error.ts";
import type { BrowserSession } from "./browser-session.ts";

export interface SessionPoolOptions {
  /** Browsers open at once across workspaces; opening one more is refused (429). */
  maxSessions: number;
  /** A session unused this long is closed. */
  idleTimeoutMs: number;
}

/**
 * The open browser sessions: a size limit, an idle sweep, and lookups scoped to a workspace
 * (another workspace's session is a 404, as if it did not exist).
 */
export class SessionPool {
  private readonly sessions = new Map<string, BrowserSession>();
  /** Opens in progress count against the limit too. */
  private opening = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly options: SessionPoolOptions) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(options.idleTimeoutMs, 30_000));
    this.sweeper.unref();
  }

  async add(open: () => Promise<BrowserSession>): Promise<BrowserSession> {
    if (this.sessions.size + this.opening >= this.options.maxSessions) {
      throw new BrowserError(
        "session_limit",
        `All ${this.options.maxSessions} browser sessions are in use; close one or try again later`,
      );
    }
    this.opening++;
    try {
      const session = await open();
      this.sessions.set(session.id, session);
      return session;
    } finally {
      this.opening--;
    }
  }

  get(workspaceId: string, id: string): BrowserSession {
    const session = this.sessions.get(id);
    if (!session || session.workspaceId !== workspaceId || session.closed) {
      throw new BrowserError("session_not_found", `Browser session '${id}' not found`);
    }
    return session;
  }

  list(workspaceId: string): BrowserSession[] {
    return [...this.sessions.values()].filter((session) => session.workspaceId === workspaceId);
  }

  async close(workspaceId: string, id: string): Promise<void> {
    const session = this.get(workspaceId, id);
    this.sessions.delete(id);
    await session.close();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions open or opening. */
  get active(): number {
    return this.sessions.size + this.opening;
  }

  /** Closes sessions idle past the timeout (not one with an operation running: it is not idle). */
  async sweep(now = Date.now()): Promise<void> {
    for (const session of this.sessions.values()) {
      if (now - session.lastUsedAt >= this.options.idleTimeoutMs && !session.busy) {
        this.sessions.delete(session.id);
        await session.close();
      }
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((session) => session.close()));
  }
}
