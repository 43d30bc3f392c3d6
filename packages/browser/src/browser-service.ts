import path from "node:path";
import type { Cookie, CookieParam } from "@browserbasehq/stagehand";
// Stagehand's own wait for a quiet network (what its act and extract do before reading a page);
// not re-exported from its root, reached through its package's `./*.js` export (pinned 3.7.3).
import { waitForDomNetworkQuiet } from "@browserbasehq/stagehand/lib/v3/handlers/handlerUtils/actHandlerUtils.js";
import { type Database, invalidRequest } from "@nexus/core";
import type { Gateway, RequestContext } from "@nexus/gateway";
import type { Kysely } from "kysely";
import { ActionCache, type CachedAction } from "./action-cache.ts";
import { type AgentOutcome, agentWithCache } from "./agent-run.ts";
import { BrowserError } from "./browser-error.ts";
import {
  type ActOutcome,
  actWithCache,
  extractWith,
  observeWith,
  performAction,
} from "./browser-operations.ts";
import type { BrowserSession } from "./browser-session.ts";
import { type BrowserSettings, getBrowserSettings } from "./browser-settings.ts";
import { type ModelUsage, usageSince } from "./model-usage.ts";
import { navigate, refusedNavigation } from "./page-navigation.ts";
import { captureScreenshot } from "./page-screenshot.ts";
import { createSessionLauncher } from "./session-launcher.ts";
import { SessionPool } from "./session-pool.ts";
import { assertUrlAllowed, isUrlAllowedSync } from "./url-policy.ts";

export interface BrowserServiceOptions {
  db: Kysely<Database>;
  gateway: Gateway;
  /** Sessions' folders go under `<dataDir>/browser/sessions`. */
  dataDir: string;
  /** The model or alias used when a session names none; unset: the workspace's first listed model. */
  defaultModel?: string;
  executablePath?: string;
  /** The shared Chromium stops after this long with no session open. Default 10 min. */
  browserIdleMs?: number;
  /** Sessions kept launched ahead of need (see SpareSessions); 0 turns them off. Default 2. */
  spareSessions?: number;
  maxSessions?: number;
  idleTimeoutMs?: number;
  /** Navigation timeout per page load. Default 15 s. */
  navigationTimeoutMs?: number;
  log?: (line: { sessionId: string; category?: string; message: string }) => void;
}

export interface OpenSessionInput {
  model?: string;
  viewport?: { width: number; height: number };
  cookies?: CookieParam[];
  /** Attach to a running Chrome over CDP instead of launching one. */
  cdpUrl?: string;
  /** Opened after the browser starts (checked against the workspace's URL policy). */
  url?: string;
}

/** Who asks, for the gateway (workspace, key) and until when (the client's signal). */
export type CallerContext = Pick<RequestContext, "workspaceId" | "apiKeyId" | "signal" | "requestId">;

/** What every operation reports besides its result. */
export interface OperationReport<Result> {
  result: Result;
  /** Page URL after the operation. */
  url: string;
  durationMs: number;
  usage: ModelUsage;
}

export interface SessionInfo {
  id: string;
  model: string;
  createdAt: string;
  url: string;
  downloads: string[];
}

/**
 * Browser automation for the server, CLI and task runner: a pool of sessions per workspace,
 * Stagehand's act / extract / observe / agent with the action cache, each operation under the
 * workspace's URL policy, step and time limits.
 *
 * @example
 * const browser = createBrowserService({ db, gateway, dataDir, defaultModel: "local/qwen" });
 * const session = await browser.openSession(context, { url: "https://example.com" });
 * await browser.act(context, session.id, { instruction: "click the About link" });
 */
export function createBrowserService(options: BrowserServiceOptions) {
  const pool = new SessionPool({
    maxSessions: options.maxSessions ?? 4,
    idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
  });
  const cache = new ActionCache(options.db);
  const navigationTimeoutMs = options.navigationTimeoutMs ?? 15_000;
  const launcher = createSessionLauncher({
    gateway: options.gateway,
    dataDir: options.dataDir,
    executablePath: options.executablePath ?? "/usr/bin/chromium",
    browserIdleMs: options.browserIdleMs,
    spareSessions: options.spareSessions ?? 2,
    spareMaxIdleMs: options.idleTimeoutMs ?? 5 * 60_000,
    openSessions: () => pool.active,
  });

  async function policyOf(workspaceId: string) {
    const settings = await getBrowserSettings(options.db, workspaceId);
    return { settings, policy: { allow: settings.allowUrls, deny: settings.denyUrls } };
  }

  const goto = (session: BrowserSession, url: string, settings: BrowserSettings) =>
    navigate(session, url, { allow: settings.allowUrls, deny: settings.denyUrls }, navigationTimeoutMs);

  /**
   * Runs one operation on a session under the workspace's limits: its time limit aborts model
   * calls and answers `timeout`; a page that ends on a URL the policy refuses is left for
   * about:blank and answers `url_blocked`.
   */
  async function operate<Result>(
    context: CallerContext,
    sessionId: string,
    secrets: string[],
    operation: (session: BrowserSession, settings: BrowserSettings, signal: AbortSignal) => Promise<Result>,
    url?: string,
  ): Promise<OperationReport<Result>> {
    const session = pool.get(context.workspaceId, sessionId);
    const { settings, policy } = await policyOf(context.workspaceId);
    // Every request of this operation is checked against the policy as it is now.
    session.policy = policy;
    const deadline = AbortSignal.timeout(settings.maxDurationMs);
    const signal = AbortSignal.any([context.signal, deadline]);
    const started = performance.now();
    return session.run({ ...context, signal }, secrets, async () => {
      const before = { ...session.caller.usage };
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeLimit(settings.maxDurationMs)), settings.maxDurationMs);
      });
      // Raced below; a limit that passes while the page is still loading must not go unhandled.
      expired.catch(() => {});
      session.takeBlocked();
      try {
        if (url) await goto(session, url, settings);
        const result = await Promise.race([operation(session, settings, signal), expired]).catch((error) => {
          // The limit aborts the model call first; what fails then is the time limit, not the step.
          if (deadline.aborted) throw timeLimit(settings.maxDurationMs, error);
          throw error;
        });
        const current = session.page().url();
        if (current.startsWith("chrome-error:")) {
          const refusal = refusedNavigation(session, "The page");
          if (refusal) throw refusal;
          throw new BrowserError("navigation_failed", "The page the operation led to could not be reached");
        }
        if (!isUrlAllowedSync(current, { allow: settings.allowUrls, deny: settings.denyUrls })) {
          await session
            .page()
            .goto("about:blank")
            .catch(() => {});
          throw new BrowserError(
            "url_blocked",
            `The page went to ${current}, which the workspace's URL policy refuses`,
          );
        }
        return {
          result,
          url: current,
          durationMs: Math.round(performance.now() - started),
          usage: usageSince(before, session.caller.usage),
        };
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async function firstModel(context: CallerContext): Promise<string> {
    const models = await options.gateway.listModels(context).catch(() => []);
    const model = models[0]?.id;
    if (!model) throw invalidRequest("No model is available to this workspace; pass `model`", "model");
    return model;
  }

  const secretsOf = (variables: Record<string, string> | undefined) => Object.values(variables ?? {});
  const info = (session: BrowserSession): SessionInfo => ({
    id: session.id,
    model: session.model,
    createdAt: session.createdAt,
    url: safeUrl(session),
    downloads: session.downloads(),
  });

  return {
    pool,
    cache,

    async openSession(context: CallerContext, input: OpenSessionInput = {}): Promise<SessionInfo> {
      const { settings, policy } = await policyOf(context.workspaceId);
      if (input.url)
        await assertUrlAllowed(input.url, { allow: settings.allowUrls, deny: settings.denyUrls });
      if (input.cdpUrl)
        await assertUrlAllowed(input.cdpUrl.replace(/^ws/, "http"), {
          allow: settings.allowUrls,
          deny: settings.denyUrls,
        });
      const model = input.model ?? options.defaultModel ?? (await firstModel(context));
      const session = await pool.add(() =>
        launcher.open(
          (id) => ({
            workspaceId: context.workspaceId,
            model,
            policy,
            viewport: input.viewport,
            cookies: input.cookies,
            log: (line) => options.log?.({ sessionId: id, ...line }),
          }),
          { cdpUrl: input.cdpUrl, viewport: input.viewport },
        ),
      );
      const id = session.id;
      if (input.url) {
        try {
          await operate(context, id, [], async () => undefined, input.url);
        } catch (error) {
          await pool.close(context.workspaceId, id).catch(() => {});
          throw error;
        }
      }
      return info(session);
    },

    listSessions: (workspaceId: string) => pool.list(workspaceId).map(info),
    getSession: (workspaceId: string, id: string) => info(pool.get(workspaceId, id)),
    async closeSession(workspaceId: string, id: string) {
      const session = pool.get(workspaceId, id);
      await pool.close(workspaceId, id);
      launcher.closed(session);
    },
    downloadPath(workspaceId: string, id: string, name: string): string {
      const session = pool.get(workspaceId, id);
      if (!session.downloads().includes(name)) {
        throw new BrowserError("session_not_found", `Download '${name}' not found in session '${id}'`);
      }
      return path.join(session.downloadsDir, name);
    },

    goto: (context: CallerContext, sessionId: string, url: string) =>
      operate(context, sessionId, [], async () => undefined, url),

    /**
     * An instruction (planned by the model, or replayed from the cache), or an `action` that
     * `observe` returned, performed as is with no model call (Stagehand's observe-then-act).
     */
    act: (
      context: CallerContext,
      sessionId: string,
      input: {
        instruction?: string;
        action?: CachedAction;
        variables?: Record<string, string>;
        url?: string;
      },
    ): Promise<OperationReport<ActOutcome>> =>
      operate(
        context,
        sessionId,
        secretsOf(input.variables),
        (session, settings) => {
          if (input.action) return performAction(session, input.action, input.variables ?? {});
          if (!input.instruction)
            throw invalidRequest("act needs an instruction or an action", "instruction");
          return actWithCache(
            session,
            cache,
            input.instruction,
            input.variables ?? {},
            settings.maxDurationMs,
          );
        },
        input.url,
      ),

    extract: (
      context: CallerContext,
      sessionId: string,
      input: { instruction: string; schema?: Record<string, unknown>; url?: string },
    ): Promise<OperationReport<unknown>> =>
      operate(
        context,
        sessionId,
        [],
        (session, settings) => extractWith(session, input.instruction, input.schema, settings.maxDurationMs),
        input.url,
      ),

    observe: (
      context: CallerContext,
      sessionId: string,
      input: { instruction: string; url?: string },
    ): Promise<OperationReport<CachedAction[]>> =>
      operate(
        context,
        sessionId,
        [],
        (session, settings) => observeWith(session, input.instruction, settings.maxDurationMs),
        input.url,
      ),

    agent: (
      context: CallerContext,
      sessionId: string,
      input: { goal: string; maxSteps?: number; variables?: Record<string, string>; url?: string },
    ): Promise<OperationReport<AgentOutcome>> =>
      operate(
        context,
        sessionId,
        secretsOf(input.variables),
        (session, settings, signal) => {
          if (input.maxSteps !== undefined && input.maxSteps > settings.maxSteps) {
            throw new BrowserError(
              "max_steps",
              `maxSteps ${input.maxSteps} is over the workspace's limit of ${settings.maxSteps}`,
            );
          }
          const maxSteps = Math.min(input.maxSteps ?? settings.maxSteps, settings.maxSteps);
          return agentWithCache(session, cache, input.goal, maxSteps, input.variables ?? {}, signal, {
            allow: settings.allowUrls,
            deny: settings.denyUrls,
          });
        },
        input.url,
      ),

    /**
     * The page's URL and the context's cookies (every domain), once the page has settled: what
     * another process needs to rebuild the session (see SessionStateStore). Settling matters: an
     * act that submits a form returns while the navigation it started is still on its way.
     */
    sessionState(workspaceId: string, sessionId: string): Promise<{ url: string; cookies: Cookie[] }> {
      const session = pool.get(workspaceId, sessionId);
      const context = { workspaceId, apiKeyId: null, signal: new AbortController().signal };
      return session.run(context, [], async () => {
        const page = session.page();
        await waitForDomNetworkQuiet(page.mainFrame(), 5_000).catch(() => {});
        return { url: safeUrl(session), cookies: await session.stagehand.context.cookies() };
      });
    },

    /**
     * The page as it is, error pages included (a failed step's screenshot shows what went wrong);
     * `scale` below 1 captures it smaller and faster (see captureScreenshot).
     */
    async screenshot(
      context: CallerContext,
      sessionId: string,
      options: { scale?: number } = {},
    ): Promise<Buffer> {
      const session = pool.get(context.workspaceId, sessionId);
      return session.run(context, [], () => captureScreenshot(session.page(), options.scale ?? 1));
    },

    /** Sessions open and spares ready or starting (for health checks and tests). */
    stats: () => ({ sessions: pool.size, spares: launcher.spares() }),

    /**
     * Starts the shared Chromium and the spare sessions ahead of the first run (a server calls
     * this at boot); resolves once they are ready.
     */
    async warm() {
      await launcher.warm();
    },

    async close() {
      await pool.closeAll();
      await launcher.close();
    },
  };
}

export type BrowserService = ReturnType<typeof createBrowserService>;

const timeLimit = (limitMs: number, cause?: unknown) =>
  new BrowserError("timeout", `The operation ran past the workspace's limit of ${limitMs} ms`, { cause });

function safeUrl(session: BrowserSession): string {
  try {
    return session.page().url();
  } catch {
    return "";
  }
}
