import type { CdpMessage } from "./chromium-pipe.ts";
import { browserCommand, type CommandRouting, sessionCommand } from "./client-commands.ts";
import type { AttachedEvent, BrowserRequest, ContextState, TargetInfo } from "./context-state.ts";
import type { WebSocketPeer } from "./websocket-endpoint.ts";

/**
 * Shares one Chromium among several CDP clients (Stagehand instances), each confined to its own
 * browser context: a client sees only its context's targets and sessions, its new pages open in
 * its context, cookie, permission and download commands apply to its context, and anything that
 * could reach another context or the browser as a whole (other targets, `Browser.close`, new
 * contexts, attaching to the browser target) is refused. The mux itself holds browser-level
 * auto-attach (targets start paused) and hands each top-level session to its context's client.
 */
export class ContextMux {
  private readonly contexts = new Map<string, ContextState>();
  private readonly targets = new Map<string, TargetInfo>();
  /** Which context each CDP session (top-level or child) belongs to. */
  private readonly sessionContext = new Map<string, string>();
  private readonly pending = new Map<number, (message: CdpMessage) => void>();
  private readonly disposing = new Map<string, Promise<void>>();
  private readonly ended = new Map<string, Promise<void>>();
  /** Service worker script URLs by the context that tried to start them (to say whose was refused). */
  private readonly serviceWorkers = new Map<string, string>();
  /** The browser exited: nothing sent now would be answered. */
  private gone = false;
  private nextId = 1;
  /** What the client-command filter (client-commands.ts) routes through. */
  private readonly routing: CommandRouting = {
    targets: this.targets,
    sessionContext: this.sessionContext,
    forward: (context, command, transform) => this.forward(context, command, transform),
    respond: (context, command, result) => this.respond(context, command, result),
    refuse: (context, command, message) => this.refuse(context, command, message),
    deliver: (context, message) => this.deliver(context, message),
  };

  constructor(private readonly sendToBrowser: (message: CdpMessage) => void) {}

  /** Turns on browser-level discovery and auto-attach (new targets wait until their client resumes them). */
  async start(): Promise<void> {
    await this.call("Target.setDiscoverTargets", { discover: true });
    await this.call("Target.setAutoAttach", {
      autoAttach: true,
      waitForDebuggerOnStart: true,
      flatten: true,
    });
    // Browser-wide interception sees what a page's does not: a service worker's script fetch.
    await this.call("Fetch.enable", { patterns: [{ urlPattern: "*" }] });
  }

  /** A command of the mux's own; rejects with the browser's error. */
  call(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.gone) return Promise.reject(new Error(`${method}: the browser exited`));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, (response) => {
        if (response.error) reject(new Error(`${method}: ${response.error.message ?? "failed"}`));
        else resolve(response.result ?? {});
      });
      this.sendToBrowser({ id, method, params: params as Record<string, unknown>, sessionId });
    });
  }

  /** A new incognito context with one blank page (so the client finds a page at once). */
  async createContext(options: {
    downloadsDir: string;
    viewport: { width: number; height: number };
    /** Where all of the context's traffic goes (loopback included); see ContextProxy. */
    proxyServer?: string;
    onBlocked?: (url: string) => void;
  }): Promise<string> {
    const { browserContextId } = (await this.call(
      "Target.createBrowserContext",
      options.proxyServer ? { proxyServer: options.proxyServer, proxyBypassList: "<-loopback>" } : {},
    )) as { browserContextId: string };
    let end = () => {};
    this.ended.set(
      browserContextId,
      new Promise<void>((resolve) => {
        end = resolve;
      }),
    );
    this.contexts.set(browserContextId, {
      id: browserContextId,
      viewport: options.viewport,
      autoAttach: false,
      discover: false,
      attached: new Map(),
      end,
      onBlocked: options.onBlocked ?? (() => {}),
    });
    try {
      await this.call("Browser.setDownloadBehavior", {
        behavior: "allow",
        downloadPath: options.downloadsDir,
        browserContextId,
      });
      await this.call("Target.createTarget", { url: "about:blank", browserContextId });
    } catch (error) {
      await this.disposeContext(browserContextId);
      throw error;
    }
    return browserContextId;
  }

  connect(contextId: string, peer: WebSocketPeer) {
    const context = this.contexts.get(contextId);
    if (!context) return peer.close();
    context.peer = peer;
  }

  /** Closes the context's pages and forgets it; a second call waits for the first. */
  disposeContext(contextId: string): Promise<void> {
    const inProgress = this.disposing.get(contextId);
    if (inProgress) return inProgress;
    const context = this.contexts.get(contextId);
    if (!context) return Promise.resolve();
    this.contexts.delete(contextId);
    for (const [sessionId, owner] of this.sessionContext)
      if (owner === contextId) this.sessionContext.delete(sessionId);
    context.peer?.close();
    context.end();
    this.ended.delete(contextId);
    const disposed = this.call("Target.disposeBrowserContext", { browserContextId: contextId })
      .then(() => {})
      .catch(() => {})
      .finally(() => this.disposing.delete(contextId));
    this.disposing.set(contextId, disposed);
    return disposed;
  }

  /** The browser went away: every pending command fails and every client is disconnected. */
  browserGone(): void {
    this.gone = true;
    const contexts = [...this.contexts.values()];
    this.contexts.clear();
    this.sessionContext.clear();
    this.targets.clear();
    for (const respond of this.pending.values())
      respond({ error: { code: -32000, message: "the browser exited" } });
    this.pending.clear();
    for (const context of contexts) {
      context.peer?.close();
      context.end();
    }
    this.ended.clear();
  }

  /** Settles once the context is gone (disposed, or the browser exited); at once for an unknown one. */
  contextEnded(contextId: string): Promise<void> {
    return this.ended.get(contextId) ?? Promise.resolve();
  }

  hasContext(contextId: string): boolean {
    return this.contexts.has(contextId);
  }

  setViewport(contextId: string, viewport: { width: number; height: number }): void {
    const context = this.contexts.get(contextId);
    if (context) context.viewport = viewport;
  }

  get contextCount(): number {
    return this.contexts.size;
  }

  fromBrowser(message: CdpMessage): void {
    if (message.id !== undefined) {
      const respond = this.pending.get(message.id);
      this.pending.delete(message.id);
      respond?.(message);
      return;
    }
    if (message.sessionId) this.sessionEvent(message, message.sessionId);
    else this.browserEvent(message);
  }

  fromClient(contextId: string, text: string) {
    const context = this.contexts.get(contextId);
    let message: CdpMessage;
    try {
      message = JSON.parse(text) as CdpMessage;
    } catch {
      return;
    }
    if (!context || typeof message.id !== "number" || typeof message.method !== "string") return;
    const params = { ...(message.params ?? {}) };
    // Whatever context a command names, it is the client's own.
    if ("browserContextId" in params) params.browserContextId = context.id;
    const command = { ...message, params };
    if (message.sessionId) return sessionCommand(this.routing, context, command, message.sessionId);
    browserCommand(this.routing, context, command);
  }

  private sessionEvent(message: CdpMessage, sessionId: string): void {
    const contextId = this.sessionContext.get(sessionId);
    const context = contextId ? this.contexts.get(contextId) : undefined;
    if (!context) return;
    const child = message.params?.sessionId as string | undefined;
    if (message.method === "Target.attachedToTarget" && child) this.sessionContext.set(child, context.id);
    this.deliver(context, message);
    if (message.method === "Target.detachedFromTarget" && child) this.sessionContext.delete(child);
  }

  private browserEvent(message: CdpMessage): void {
    const params = (message.params ?? {}) as Record<string, unknown>;
    switch (message.method) {
      case "Target.attachedToTarget": {
        const event = params as unknown as AttachedEvent;
        this.targets.set(event.targetInfo.targetId, event.targetInfo);
        const context = this.contextOf(event.targetInfo);
        if (!context) {
          // The default context or one being disposed: nobody drives it; let it run and let go.
          void this.call("Runtime.runIfWaitingForDebugger", {}, event.sessionId).catch(() => {});
          void this.call("Target.detachFromTarget", { sessionId: event.sessionId }).catch(() => {});
          return;
        }
        this.sessionContext.set(event.sessionId, context.id);
        context.attached.set(event.sessionId, event);
        if (event.targetInfo.type === "service_worker" && typeof event.targetInfo.url === "string") {
          this.serviceWorkers.set(event.targetInfo.url, context.id);
          if (this.serviceWorkers.size > 200)
            this.serviceWorkers.delete(this.serviceWorkers.keys().next().value as string);
        }
        if (event.targetInfo.type === "page") this.applyViewport(context, event.sessionId);
        if (context.autoAttach) this.deliver(context, message);
        return;
      }
      case "Target.detachedFromTarget": {
        const sessionId = params.sessionId as string;
        const context = this.contexts.get(this.sessionContext.get(sessionId) ?? "");
        this.sessionContext.delete(sessionId);
        if (!context) return;
        context.attached.delete(sessionId);
        if (context.autoAttach) this.deliver(context, message);
        return;
      }
      case "Target.targetCreated":
      case "Target.targetInfoChanged": {
        const info = params.targetInfo as TargetInfo;
        this.targets.set(info.targetId, info);
        const context = this.contextOf(info);
        if (context?.discover) this.deliver(context, message);
        return;
      }
      case "Target.targetDestroyed":
      case "Target.targetCrashed": {
        const targetId = params.targetId as string;
        const info = this.targets.get(targetId);
        if (message.method === "Target.targetDestroyed") this.targets.delete(targetId);
        const context = info ? this.contextOf(info) : undefined;
        if (context?.discover) this.deliver(context, message);
        return;
      }
      case "Fetch.requestPaused":
        this.browserRequest(params as unknown as BrowserRequest);
        return;
      default:
      // Other browser-wide events (downloads, etc.) are not attributable to one client: dropped.
    }
  }

  /**
   * Every request of every context passes here (after the page's own request guard, for page
   * requests). A service worker's script is refused, so `register()` rejects and no worker ever
   * runs: its fetches and cached answers would sit outside the page's request guard.
   */
  private browserRequest(event: BrowserRequest): void {
    const isServiceWorkerScript = Object.entries(event.request.headers ?? {}).some(
      ([name, value]) => name.toLowerCase() === "service-worker" && value === "script",
    );
    if (!isServiceWorkerScript) {
      void this.call("Fetch.continueRequest", { requestId: event.requestId }).catch(() => {});
      return;
    }
    void this.call("Fetch.failRequest", { requestId: event.requestId, errorReason: "BlockedByClient" }).catch(
      () => {},
    );
    const contextId = this.serviceWorkers.get(event.request.url);
    if (contextId) this.contexts.get(contextId)?.onBlocked(`${event.request.url} (service worker)`);
  }

  /** Sends a client's command on with an id of ours; its response goes back under the client's id. */
  private forward(
    context: ContextState,
    command: CdpMessage,
    transform?: (result: Record<string, unknown>) => Record<string, unknown>,
  ): void {
    if (this.gone) {
      this.refuse(context, command, "the browser exited");
      return;
    }
    const id = this.nextId++;
    const clientId = command.id;
    this.pending.set(id, (response) => {
      const result = response.result && transform ? transform(response.result) : response.result;
      this.deliver(context, {
        id: clientId,
        ...(response.error ? { error: response.error } : { result: result ?? {} }),
        ...(command.sessionId ? { sessionId: command.sessionId } : {}),
      });
    });
    this.sendToBrowser({ ...command, id });
  }

  private respond(context: ContextState, command: CdpMessage, result: Record<string, unknown>): void {
    this.deliver(context, {
      id: command.id,
      result,
      ...(command.sessionId ? { sessionId: command.sessionId } : {}),
    });
  }

  private refuse(context: ContextState, command: CdpMessage, message: string): void {
    this.deliver(context, {
      id: command.id,
      error: { code: -32000, message },
      ...(command.sessionId ? { sessionId: command.sessionId } : {}),
    });
  }

  private deliver(context: ContextState, message: CdpMessage): void {
    context.peer?.send(JSON.stringify(message));
  }

  /** The context's window size on every page it opens (set while the page waits to start). */
  private applyViewport(context: ContextState, sessionId: string): void {
    const { width, height } = context.viewport;
    void this.call(
      "Emulation.setDeviceMetricsOverride",
      { width, height, deviceScaleFactor: 0, mobile: false },
      sessionId,
    ).catch(() => {});
  }

  private contextOf(info: TargetInfo): ContextState | undefined {
    return info.browserContextId ? this.contexts.get(info.browserContextId) : undefined;
  }
}
