import { accessSync, constants, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { type CookieParam, type LogLine, Stagehand } from "@browserbasehq/stagehand";
import type { Gateway, RequestContext } from "@nexus/gateway";
import { BrowserError } from "./browser-error.ts";
import { localLaunchOptions } from "./chromium-launch.ts";
import { GatewayCaller } from "./gateway-caller.ts";
import { GatewayLLMClient } from "./gateway-llm-client.ts";
import { installRequestGuard } from "./request-guard.ts";
import type { UrlPolicy } from "./url-policy.ts";

export interface BrowserSessionOptions {
  id: string;
  workspaceId: string;
  gateway: Gateway;
  /** The gateway model or alias every Stagehand call uses. */
  model: string;
  /** The session's folder: its profile and downloads live here and go with it. */
  dir: string;
  executablePath: string;
  viewport?: { width: number; height: number };
  cookies?: CookieParam[];
  cdpUrl?: string;
  /** The workspace's URL policy at open; every request the browser makes is held to it. */
  policy: UrlPolicy;
  /** Told of Stagehand's log lines, secrets already masked. */
  log?: (line: { category?: string; message: string; level?: number }) => void;
}

/**
 * One browser (a Chromium of its own with a temporary profile, or an attached remote one) driven
 * by Stagehand, whose model calls go through the gateway. Operations run one at a time.
 */
export class BrowserSession {
  readonly id: string;
  readonly workspaceId: string;
  readonly createdAt = new Date().toISOString();
  readonly caller: GatewayCaller;
  readonly downloadsDir: string;
  readonly model: string;
  lastUsedAt = Date.now();
  closed = false;
  /** An operation is running. */
  busy = false;
  /** The URL policy every request is checked against; the service refreshes it before each operation. */
  policy: UrlPolicy;
  /** URLs the request guard refused since the last `takeBlocked()` (newest last, at most 20). */
  private blocked: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Every variable value used in this session so far: masked in log lines and scrubbed from what
   * goes to the model (a value typed into a text field shows up in later page snapshots).
   */
  private readonly secrets = new Set<string>();

  private constructor(
    readonly options: BrowserSessionOptions,
    readonly stagehand: Stagehand,
    caller: GatewayCaller,
  ) {
    this.id = options.id;
    this.workspaceId = options.workspaceId;
    this.caller = caller;
    this.model = options.model;
    this.downloadsDir = path.join(options.dir, "downloads");
    this.policy = options.policy;
  }

  /** The URLs refused since the last call (for an operation's `url_blocked` error). */
  takeBlocked(): string[] {
    const blocked = this.blocked;
    this.blocked = [];
    return blocked;
  }

  static async open(options: BrowserSessionOptions): Promise<BrowserSession> {
    if (!options.cdpUrl) assertExecutable(options.executablePath);
    const profileDir = path.join(options.dir, "profile");
    const downloadsDir = path.join(options.dir, "downloads");
    mkdirSync(profileDir, { recursive: true });
    mkdirSync(downloadsDir, { recursive: true });
    const context: RequestContext = {
      workspaceId: options.workspaceId,
      apiKeyId: null,
      signal: new AbortController().signal,
    };
    let session: BrowserSession | undefined;
    const caller = new GatewayCaller(
      options.gateway,
      options.model,
      context,
      (text) => session?.mask(text) ?? text,
    );
    const stagehand = new Stagehand({
      env: "LOCAL",
      llmClient: new GatewayLLMClient(caller),
      // No Browserbase API, no pino transport thread, no self-healing model calls we did not ask for.
      disableAPI: true,
      disablePino: true,
      verbose: 1,
      selfHeal: false,
      // Lets the agent take an abort signal (the run's time limit) and leave out its web-search tool.
      experimental: true,
      logger: (line: LogLine) => session?.forwardLog(line),
      localBrowserLaunchOptions: localLaunchOptions({
        executablePath: options.executablePath,
        userDataDir: profileDir,
        downloadsDir,
        viewport: options.viewport ?? { width: 1280, height: 800 },
        cdpUrl: options.cdpUrl,
      }),
    });
    session = new BrowserSession(options, stagehand, caller);
    try {
      await stagehand.init();
      await installRequestGuard(stagehand, {
        policy: () => (session as BrowserSession).policy,
        onBlocked: (url) => (session as BrowserSession).noteBlocked(url),
      });
      if (options.cookies?.length) await stagehand.context.addCookies(options.cookies);
    } catch (error) {
      await stagehand.close().catch(() => {});
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
    rmSync(this.options.dir, { recursive: true, force: true });
  }

  private noteBlocked(url: string): void {
    this.blocked.push(url);
    if (this.blocked.length > 20) this.blocked.shift();
    this.options.log?.({
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
    this.options.log?.({ category: line.category, message: this.mask(line.message), level: line.level });
  }
}

/** A missing Chromium makes chrome-launcher emit an unhandled spawn error: refuse before launching. */
function assertExecutable(file: string): void {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new BrowserError("browser_unavailable", `No Chromium at ${file} (set NEXUS_BROWSER_CHROMIUM)`);
  }
}
