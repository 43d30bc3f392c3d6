import path from "node:path";
import { newId } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import { BrowserSession, type SessionOwner } from "./browser-session.ts";
import { SharedChromium } from "./shared-chromium/shared-chromium.ts";
import { SpareSessions } from "./spare-session.ts";

export interface SessionLauncherOptions {
  gateway: Gateway;
  /** Sessions' folders go under `<dataDir>/browser/sessions`, the shared Chromium's profile under `<dataDir>/browser`. */
  dataDir: string;
  executablePath: string;
  /** The shared Chromium stops after this long with no context open. */
  browserIdleMs?: number;
  /** Sessions kept launched ahead of need; 0 turns them off. */
  spareSessions: number;
  /** A spare unclaimed this long is closed. */
  spareMaxIdleMs: number;
  /** Sessions open now (spares are made only when there are none). */
  openSessions(): number;
}

/**
 * Where sessions come from: a spare made earlier when there is one (claimed at once), else a new
 * context of the shared Chromium, or an attachment to a remote Chrome.
 */
export function createSessionLauncher(options: SessionLauncherOptions) {
  const chromium = new SharedChromium({
    executablePath: options.executablePath,
    dir: path.join(options.dataDir, "browser"),
    idleMs: options.browserIdleMs,
  });
  const launchOptions = (id: string) => ({
    id,
    gateway: options.gateway,
    dir: path.join(options.dataDir, "browser", "sessions", id),
    chromium,
  });
  const spares = new SpareSessions(() => BrowserSession.launch(launchOptions(newId("bs"))), {
    count: options.spareSessions,
    maxIdleMs: options.spareMaxIdleMs,
  });
  let refill: NodeJS.Timeout | undefined;

  return {
    async open(
      owner: (sessionId: string) => SessionOwner,
      input: { cdpUrl?: string; viewport?: { width: number; height: number } },
    ): Promise<BrowserSession> {
      if (!input.cdpUrl) {
        const spare = await spares.take();
        if (spare) {
          try {
            return await spare.claim(owner(spare.id));
          } catch (error) {
            await spare.close();
            throw error;
          }
        }
      }
      const id = newId("bs");
      return BrowserSession.open({ ...launchOptions(id), ...input, ...owner(id) });
    },

    /**
     * After a session closed. Spares are launched between runs, once no session has been open for
     * a second, so preparing them never takes CPU from a run in progress; back-to-back runs use
     * the ones made earlier.
     */
    closed(session: BrowserSession): void {
      if (session.remote || options.spareSessions === 0 || options.openSessions() > 0) return;
      clearTimeout(refill);
      refill = setTimeout(() => {
        if (options.openSessions() === 0) spares.fill();
      }, 1_000);
      refill.unref();
    },

    /** Spares ready or starting. */
    spares: () => spares.size,

    /** Starts the shared Chromium and the spares now; resolves once they are ready. */
    async warm(): Promise<void> {
      await chromium.warm();
      spares.fill();
      await spares.ready();
    },

    async close(): Promise<void> {
      clearTimeout(refill);
      await spares.close();
      await chromium.close();
    },
  };
}

export type SessionLauncher = ReturnType<typeof createSessionLauncher>;
