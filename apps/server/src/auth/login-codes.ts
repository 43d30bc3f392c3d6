import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * One-time sign-in codes for the web app, printed by `nexus start` (as Jupyter prints its
 * token) so a fresh install can be opened in the browser without creating a key first.
 * Kept in memory: a restart invalidates them, and each code works once.
 */
export class LoginCodes {
  private readonly codes = new Map<string, { workspaceSlug: string; expiresAt: number }>();

  issue(workspaceSlug: string, lifetimeMs = 24 * 60 * 60 * 1000): string {
    const code = randomBytes(24).toString("base64url");
    this.codes.set(code, { workspaceSlug, expiresAt: Date.now() + lifetimeMs });
    return code;
  }

  /** Returns the workspace the code signs into, and spends the code; null when unknown or expired. */
  redeem(code: string): string | null {
    for (const [known, entry] of this.codes) {
      if (known.length === code.length && timingSafeEqual(Buffer.from(known), Buffer.from(code))) {
        this.codes.delete(known);
        return entry.expiresAt > Date.now() ? entry.workspaceSlug : null;
      }
    }
    return null;
  }
}
