import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { type CookieParam, type LogLine, Stagehand } from "@browserbasehq/stagehand";
import type { Gateway, RequestContext } from "@nexus/gateway";
import { BrowserError } from "./browser-error.ts";
import { localLaunchOptions } from "./chromium-launch.ts";
import { GatewayCaller } from "./gateway-caller.ts";
import { GatewayLLMClient } from "./gateway-llm-client.ts";
import { installRequestGuard } from "./request-guard.ts";
import type { BrowserContextLease, SharedChromium } from "./shared-chromium/shared-chromium.ts";
import type { UrlPolicy } from "./url-policy.ts";

/** What a browser is started with, before anyone owns it. */
export interface BrowserLaunchOptions {
  id: string;
  gateway: Gateway;
  /** The session's folder: its downloads live here and go with it. */
  dir: string;
  /** The service's warm Chromium; the session gets a fresh incognito context of it. */
  chromium: SharedChromium;
  viewport?: { width: number; height: number };
  /** Attach to this remote Chrome instead of the shared one. */
  cdpUrl?: string;
}

/** Who the session is for, set once when it is handed out. */
export interface SessionOwner {
  workspaceId: string;
  /** The gateway model or alias every Stagehand call uses. */
  model: string;
  /** The workspace's URL policy at open; every request the browser makes is held to it. */
  policy: UrlPolicy;
  viewport?: { width: number; height: number };
  cookies?: CookieParam[];
  /** Told of Stagehand's log lines, secrets already masked. */
  log?: (line: { category?: string; message: string; level?: number }) => void;
}

export type BrowserSessionOptions = BrowserLaunchOptions & SessionOwner;

const defaultViewport = { width: 1280, height: 800 };
/** Until it is claimed, a session's browser may load nothing. */
const refuseEverything: UrlPolicy = { allow: [], deny: ["*"] };

/**
 * One browser driven by Stagehand, whose model calls go through the gateway: an incognito context
 * of the service's shared Chromium (nothing shared with other sessions: cookies, storage, cache),
 * or an attached remote Chrome. Started by `launch` (the service may do that ahead of need, so a
 * run does not wait for Stagehand to attach), owned from `claim` on. Operations run one at a time.
 */
export class BrowserSession {
  readonly id: string;
  workspaceId = "";
  model = "";
  readonly createdAt = new Date().toISOString();
  readonly caller: GatewayCaller;
  readonly downloadsDir: string;
  /** Attached to a remote Chrome rather than a context of the shared one. */
  readonly remote: boolean;
  lastUsedAt = Date.now();
  closed = false;
  /** An operation is running. */
  busy = false;
  /** The URL policy every request is checked against; the service refreshes it before each operation. */
  policy: UrlPolicy = refuseEverything;
  /** URLs the request guard refused since the last `takeBlocked()` (newest last, at most 20). */
  private blocked: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Every variable value used in this session so far: masked in log lines and scrubbed from what
   * goes to the model (a value typed into a text field shows up in later page snapshots).
   */
  private readonly secrets = new Set<string>();
  private log: SessionOwner["log"];
  private viewport: { width: number; height: number };

  private constructor(
    private readonly options: BrowserLaunchOptions,
    readonly stagehand: Stagehand,
    caller: GatewayCaller,
    private readonly llmClient: GatewayLLMClient,
    private readonly lease: BrowserContextLease | undefined,
  ) {
    this.id = options.id;
    this.caller = caller;
    this.downloadsDir = path.join(options.dir, "downloads");
    this.remote = options.cdpUrl !== undefined;
    this.viewport = options.viewport ?? defaultViewport;
  }

  /** Launches and claims in one go. */
  static async open(options: BrowserSessionOptions): Promise<BrowserSession> {
    const session = await BrowserSession.launch(options);
    try {
      return await session.claim(options);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** A browser with Stagehand attached and the request guard on, owned by nobody yet (it loads nothing). */
  static async launch(options: BrowserLaunchOptions): Promise<BrowserSession> {
    const downloadsDir = path.join(options.dir, "downloads");
    mkdirSync(downloadsDir, { recursive: true });
    const viewport = options.viewport ?? defaultViewport;
    let session: BrowserSession | undefined;
    let lease: BrowserContextLease | undefined;
    try {
      lease = options.cdpUrl
        ? undefined
        : await options.chromium.openContext({
            downloadsDir,
            viewport,
            // The session's policy (refusing everything until it is claimed), read per connection.
            policy: () => session?.policy ?? refuseEverything,
            onBlocked: (target) => session?.noteBlocked(target),
          });
    } catch (error) {
      rmSync(options.dir, { recursive: true, force: true });
      throw error;
    }
    const context: RequestContext = { workspaceId: "", apiKeyId: null, signal: new AbortController().signal };
    const caller = new GatewayCaller(options.gateway, "", context, (text) => session?.mask(text) ?? text);
    const llmClient = new GatewayLLMClient(caller);
    const stagehand = new Stagehand({
      env: "LOCAL",
      llmClient,
      // No Browserbase API, no pino transport thread, no self-healing model calls we did not ask for.
      disableAPI: true,
      disablePino: true,
      verbose: 1,
      selfHeal: false,
      // Lets the agent take an abort signal (the run's time limit) and leave out its web-search tool.
      experimental: true,
      logger: (line: LogLine) => session?.forwardLog(line),
      localBrowserLaunchOptions: localLaunchOptions({
        cdpUrl: options.cdpUrl ?? (lease as BrowserContextLease).url,
        downloadsDir,
        viewport,
      }),
    });
    session = new BrowserSession(options, stagehand, caller, llmClient, lease);
    try {
      // Stagehand waits forever on a CDP reply that will never come (its socket closed under
      // it): a context that ends while it attaches fails the launch instead.
      const contextEnded = lease?.ended.then(() => {
        throw new Error("the browser exited while the session started");
      });
      contextEnded?.catch(() => {});
      await (contextEnded ? Promise.race([stagehand.init(), contextEnded]) : stagehand.init());
      await installRequestGuard(stagehand, {
        policy: () => (session as BrowserSession).policy,
        onBlocked: (url) => (session as BrowserSession).noteBlocked(url),
      });
    } catch (error) {
      await stagehand.close().catch(() => {});
      await lease?.close();
      rmSync(options.dir, { recursive: true, force: true });
      throw new BrowserError(
        "browser_unavailable",
        `The browser could not be started: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return session;
  }

  /** False once the browser under it went away (a crashed shared Chromium): hand out another. */
  get usable(): boolean {
    return !this.closed && (this.lease?.alive ?? true);
  }

  /** Makes the session the workspace's: its model, policy, viewport and cookies. Once only. */
  async claim(owner: SessionOwner): Promise<this> {
    if (this.workspaceId) throw new Error(`Browser session '${this.id}' is already claimed`);
    this.workspaceId = owner.workspaceId;
    this.model = owner.model;
    this.caller.model = owner.model;
    this.llmClient.modelName = owner.model as typeof this.llmClient.modelName;
    this.caller.context = { ...this.caller.context, workspaceId: owner.workspaceId };
    this.policy = owner.policy;
    this.log = owner.log;
    const viewport = owner.viewport ?? defaultViewport;
    if (viewport.width !== this.viewport.width || viewport.height !== this.viewport.height) {
      this.viewport = viewport;
      this.lease?.setViewport(viewport);
      for (const page of this.stagehand.context.pages())
        await page.sendCDP("Emulation.setDeviceMetricsOverride", {
          ...viewport,
          deviceScaleFactor: 0,
          mobile: false,
        });
    }
    if (owner.cookies?.length) await this.stagehand.context.addCookies(owner.cookies);
    return this;
  }

  /** The URLs refused since the last call (for an operation's `url_blocked` error). */
  takeBlocked(): string[] {
    const blocked = this.blocked;
    this.blocked = [];
    return blocked;
  }

  /** The page operations act on (the active tab). */
  page() {
    const page = this.stagehand.context.activePage() ?? this.stagehand.context.pages()[0];
    if (!page) throw new BrowserError("session_closed", `Browser session '${this.id}' has no open page`);
    return page;
  }

  /**
   * Runs `operation` after the session's earlier ones, with model calls under `context` (its
   * signal aborts them); `secrets` join the values masked for the rest of the session.
   */
  run<T>(context: RequestContext, secrets: string[], operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new BrowserError("session_closed", `Browser session '${this.id}' is closed`);
      this.lastUsedAt = Date.now();
      this.busy = true;
      this.caller.context = context;
      for (const secret of secrets) if (secret.length > 0) this.secrets.add(secret);
      try {
        return await operation();
      } finally {
        this.busy = false;
        this.lastUsedAt = Date.now();
      }
    });
    this.queue = next.catch(() => {});
    return next;
  }

  downloads(): string[] {
    try {
      return readdirSync(this.downloadsDir).filter((name) => !name.endsWith(".crdownload"));
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stagehand.close({ force: true }).catch(() => {});
    await this.lease?.close();
    rmSync(this.options.dir, { recursive: true, force: true });
  }

  private noteBlocked(url: string): void {
    this.blocked.push(url);
    if (this.blocked.length > 20) this.blocked.shift();
    this.log?.({
      category: "policy",
      message: `Request refused by the URL policy: ${this.mask(url)}`,
    });
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length))
      masked = masked.split(secret).join("***");
    return masked;
  }

  private forwardLog(line: LogLine) {
    // Auxiliary fields carry action arguments (filled values); only the masked message leaves.
    this.log?.({ category: line.category, message: this.mask(line.message), level: line.level });
  }
}
