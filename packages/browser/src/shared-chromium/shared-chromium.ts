import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { BrowserError } from "../browser-error.ts";
import { sharedChromiumFlags } from "../chromium-launch.ts";
import { cachedResolver } from "../connection-policy.ts";
import type { HostResolver, UrlPolicy } from "../url-policy.ts";
import { ChromiumPipe } from "./chromium-pipe.ts";
import { ContextMux } from "./context-mux.ts";
import { ContextProxy } from "./context-proxy.ts";
import { WebSocketEndpoint } from "./websocket-endpoint.ts";

export interface SharedChromiumOptions {
  executablePath: string;
  /** The browser's own profile folder goes under here (the contexts keep nothing on disk). */
  dir: string;
  /** With no context open this long, the browser is stopped; the next open starts it again. Default 10 min. */
  idleMs?: number;
  /** How long Chromium may take to answer its first command. Default 30 s. */
  launchTimeoutMs?: number;
  /** How contexts' proxies look hosts up (tests answer for made-up names). Default: the system's, cached 30 s. */
  resolveHost?: HostResolver;
}

export interface ContextOptions {
  downloadsDir: string;
  viewport: { width: number; height: number };
  /** The owner's URL policy now: every connection the context makes is held to it (see ContextProxy). */
  policy(): UrlPolicy;
  /** Told of connections and service workers refused. */
  onBlocked(target: string): void;
}

/** A context handed to one session: the CDP URL its Stagehand connects to, and how to end it. */
export interface BrowserContextLease {
  url: string;
  contextId: string;
  /** False once the context is gone (closed, or the browser exited). */
  readonly alive: boolean;
  /** Settles when the context is gone (closed, or the browser exited). */
  readonly ended: Promise<void>;
  /** The window size pages opened from now on get. */
  setViewport(viewport: { width: number; height: number }): void;
  /** Closes the context's pages and forgets it (its cookies and storage go with it). */
  close(): Promise<void>;
}

interface Running {
  pipe: ChromiumPipe;
  mux: ContextMux;
  endpoint: WebSocketEndpoint;
  profileDir: string;
}

/**
 * One warm Chromium for a service's sessions: each session gets a fresh incognito browser context
 * of its own (cookies, storage, cache and service workers are per context and never shared), so a
 * run starts in tens of milliseconds instead of a browser launch. Started on first use (or by
 * `warm()`), restarted after a crash, stopped when idle.
 *
 * @example
 * const chromium = new SharedChromium({ executablePath: "/usr/bin/chromium", dir });
 * const lease = await chromium.openContext({ downloadsDir, viewport, policy: () => policy, onBlocked });
 * // new Stagehand({ env: "LOCAL", localBrowserLaunchOptions: { cdpUrl: lease.url } }) …
 * await lease.close();
 */
export class SharedChromium {
  private running: Promise<Running> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly resolveHost: HostResolver;

  constructor(private readonly options: SharedChromiumOptions) {
    this.resolveHost = options.resolveHost ?? cachedResolver(30_000);
  }

  /** Starts the browser now, so the first session does not wait for it. */
  async warm(): Promise<void> {
    await this.ensure();
  }

  async openContext(options: ContextOptions): Promise<BrowserContextLease> {
    clearTimeout(this.idleTimer);
    const running = await this.ensure();
    const proxy = await ContextProxy.start({
      policy: options.policy,
      onBlocked: options.onBlocked,
      resolveHost: this.resolveHost,
    });
    let contextId: string;
    try {
      contextId = await running.mux.createContext({
        downloadsDir: options.downloadsDir,
        viewport: options.viewport,
        proxyServer: proxy.url,
        onBlocked: options.onBlocked,
      });
    } catch (error) {
      await proxy.close();
      throw new BrowserError(
        "browser_unavailable",
        `The browser could not open a context: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const { token, url } = running.endpoint.register();
    this.tokens.set(token, contextId);
    let released = false;
    return {
      url,
      contextId,
      get alive() {
        return !released && running.mux.hasContext(contextId);
      },
      ended: running.mux.contextEnded(contextId),
      setViewport: (viewport) => running.mux.setViewport(contextId, viewport),
      close: async () => {
        if (released) return;
        released = true;
        running.endpoint.unregister(token);
        this.tokens.delete(token);
        await running.mux.disposeContext(contextId);
        await proxy.close();
        this.scheduleIdleStop(running);
      },
    };
  }

  /** Stops the browser and removes its profile; open contexts end with it. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const running = await this.running?.catch(() => undefined);
    if (running) await this.stop(running);
  }

  /** Which context each endpoint token belongs to. */
  private readonly tokens = new Map<string, string>();

  private ensure(): Promise<Running> {
    if (this.closed)
      return Promise.reject(new BrowserError("browser_unavailable", "The browser service is closed"));
    if (!this.running) {
      const starting = this.launch();
      this.running = starting;
      starting.catch(() => {
        if (this.running === starting) this.running = undefined;
      });
    }
    return this.running;
  }

  private async launch(): Promise<Running> {
    const { executablePath } = this.options;
    try {
      accessSync(executablePath, constants.X_OK);
    } catch {
      throw new BrowserError(
        "browser_unavailable",
        `No Chromium at ${executablePath} (set NEXUS_BROWSER_CHROMIUM)`,
      );
    }
    const profileDir = path.join(this.options.dir, `chromium-${randomBytes(6).toString("hex")}`);
    mkdirSync(profileDir, { recursive: true });
    let pipe: ChromiumPipe | undefined;
    let endpoint: WebSocketEndpoint | undefined;
    try {
      pipe = await ChromiumPipe.launch(executablePath, [
        ...sharedChromiumFlags,
        `--user-data-dir=${profileDir}`,
      ]);
      const started = pipe;
      const mux = new ContextMux((message) => started.send(message));
      pipe.onMessage((message) => mux.fromBrowser(message));
      endpoint = new WebSocketEndpoint({
        open: (token, peer) => mux.connect(this.tokens.get(token) ?? "", peer),
        message: (token, text) => mux.fromClient(this.tokens.get(token) ?? "", text),
        // Stagehand closing its connection is the session leaving: its context goes too.
        closed: (token) => void mux.disposeContext(this.tokens.get(token) ?? ""),
      });
      await endpoint.listen();
      const running: Running = { pipe, mux, endpoint, profileDir };
      // However it ends (stopped, crashed, killed), the next open starts a new browser.
      pipe.onExit(() => void this.retire(running));
      if (!pipe.running) throw new Error("Chromium exited at start");
      await withTimeout(mux.start(), this.options.launchTimeoutMs ?? 30_000, "Chromium did not answer");
      return running;
    } catch (error) {
      await pipe?.kill();
      await endpoint?.close();
      removeFolder(profileDir);
      if (error instanceof BrowserError) throw error;
      throw new BrowserError(
        "browser_unavailable",
        `The browser could not be started: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** After the browser exited: its clients are cut off, its endpoint and profile removed. */
  private async retire(running: Running): Promise<void> {
    running.mux.browserGone();
    if ((await this.running?.catch(() => undefined)) === running) this.running = undefined;
    await running.endpoint.close();
    removeFolder(running.profileDir);
  }

  private scheduleIdleStop(running: Running): void {
    if (running.mux.contextCount > 0 || this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      async () => {
        const current = await this.running?.catch(() => undefined);
        if (current === running && running.mux.contextCount === 0) await this.stop(running);
      },
      this.options.idleMs ?? 10 * 60_000,
    );
    this.idleTimer.unref();
  }

  private async stop(running: Running): Promise<void> {
    await running.pipe.kill();
    await this.retire(running);
  }
}

/** A killed browser's helpers may still be writing as they exit; what is left goes with the data dir. */
function removeFolder(folder: string): void {
  try {
    rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // Left behind: harmless, and under the service's data folder.
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
