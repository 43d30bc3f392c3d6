import type { BrowserSession } from "./browser-session.ts";

interface Spare {
  session: Promise<BrowserSession | undefined>;
  ready: boolean;
  expiry: NodeJS.Timeout;
}

/**
 * Sessions launched ahead of need: each a fresh incognito context of the shared Chromium with
 * Stagehand already attached and the request guard on, owned by nobody and loading nothing until
 * `take()` hands it out. Attaching costs a few hundred milliseconds of CDP round trips that a run
 * then does not wait for. A spare is used once, by one session, and never returned; one left
 * unclaimed for `maxIdleMs` is closed (so an idle server lets its browser stop).
 */
export class SpareSessions {
  private readonly spares: Spare[] = [];
  private closed = false;

  constructor(
    private readonly launch: () => Promise<BrowserSession>,
    private readonly options: { count: number; maxIdleMs: number },
  ) {}

  /** Starts launches until `count` spares are ready or starting. */
  fill(): void {
    while (!this.closed && this.spares.length < this.options.count) {
      // A failed launch leaves no spare; the next open launches in line and says why it failed.
      const spare: Spare = {
        session: this.launch().catch(() => undefined),
        ready: false,
        expiry: setTimeout(() => this.expire(spare), this.options.maxIdleMs),
      };
      spare.expiry.unref();
      void spare.session.then(() => {
        spare.ready = true;
      });
      this.spares.push(spare);
    }
  }

  /** Spares ready or starting. */
  get size(): number {
    return this.spares.length;
  }

  /** Resolves once every spare started so far is ready (or failed). */
  async ready(): Promise<void> {
    await Promise.all(this.spares.map((spare) => spare.session));
  }

  /** A ready spare, else one still starting (waited for), else undefined. */
  async take(): Promise<BrowserSession | undefined> {
    const index = Math.max(
      0,
      this.spares.findIndex((spare) => spare.ready),
    );
    const [spare] = this.spares.splice(index, 1);
    if (!spare) return undefined;
    clearTimeout(spare.expiry);
    const session = await spare.session;
    if (session && !session.usable) {
      await session.close();
      return this.take();
    }
    return session ?? this.take();
  }

  async close(): Promise<void> {
    this.closed = true;
    const spares = this.spares.splice(0);
    for (const spare of spares) clearTimeout(spare.expiry);
    await Promise.all(spares.map(async (spare) => (await spare.session)?.close()));
  }

  private expire(spare: Spare): void {
    const index = this.spares.indexOf(spare);
    if (index < 0) return;
    this.spares.splice(index, 1);
    void spare.session.then((session) => session?.close());
  }
}
