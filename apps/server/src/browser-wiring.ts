import {
  type BrowserService,
  type CallerContext,
  createBrowserService,
  type SessionStateStore,
} from "@nexus/browser";
import type { WorkflowBrowser, WorkflowBrowserResult, WorkflowBrowserStep } from "@nexus/workflows";
import type { AppDependencies } from "./dependencies.ts";

/** The app's one browser service: its routes, recorded tasks and workflow nodes share its sessions. */
export function openBrowser(dependencies: AppDependencies): BrowserService {
  const { store, gateway, logger, config } = dependencies;
  return createBrowserService({
    db: store.db,
    gateway,
    dataDir: config.dataDir,
    ...(config.browserModel ? { defaultModel: config.browserModel } : {}),
    executablePath: config.browserChromiumPath,
    maxSessions: config.browserMaxSessions,
    idleTimeoutMs: config.browserIdleTimeoutMs,
    navigationTimeoutMs: config.browserNavigationTimeoutMs,
    log: (line) => logger.debug({ browserSession: line.sessionId, category: line.category }, line.message),
  });
}

/**
 * Workflow `nexus-browser` nodes over the browser service: a step without a session opens one for
 * the run (under the workspace's URL policy, so a refused URL never launches a browser); a step
 * naming a session may use only one its run opened; every session of a run closes when it ends
 * here. With `states`, each session's URL and cookies are saved after every step, and a run that
 * moved here from another worker (killed, or stopped and re-queued) gets the sessions it names
 * rebuilt from them: a new browser context with the cookies, on the last URL, under the same id.
 */
export function workflowBrowser(browser: BrowserService, states?: SessionStateStore): WorkflowBrowser {
  /** Sessions by run id, with their workspace (closing needs it): the run's session id → ours. */
  const byRun = new Map<string, { workspaceId: string; sessions: Map<string, string> }>();

  function remember(step: WorkflowBrowserStep, sessionId: string, local: string) {
    const owned = byRun.get(step.runId) ?? { workspaceId: step.workspaceId, sessions: new Map() };
    owned.sessions.set(sessionId, local);
    byRun.set(step.runId, owned);
  }

  /** The session the step runs in: `{ id }` its nodes know it by, `local` in this process. */
  async function sessionFor(
    context: CallerContext,
    step: WorkflowBrowserStep,
  ): Promise<{ id: string; local: string }> {
    if (step.sessionId) {
      const owned = byRun.get(step.runId);
      const local = owned?.workspaceId === step.workspaceId ? owned.sessions.get(step.sessionId) : undefined;
      if (local) return { id: step.sessionId, local };
      const stored = await states?.find(step.workspaceId, step.runId, step.sessionId);
      if (!stored) throw new Error(`Browser session '${step.sessionId}' was not opened by this run`);
      // The run moved here: rebuild its session (cookies first, then the page it was on).
      const rebuilt = await browser.openSession(context, {
        model: stored.model,
        cookies: stored.cookies,
        ...(/^https?:/.test(stored.url) ? { url: stored.url } : {}),
      });
      remember(step, step.sessionId, rebuilt.id);
      await closeIfStopped(step);
      return { id: step.sessionId, local: rebuilt.id };
    }
    const session = await browser.openSession(context, {
      ...(step.model ? { model: step.model } : {}),
      ...(step.action === "open" && step.url ? { url: step.url } : {}),
    });
    remember(step, session.id, session.id);
    await closeIfStopped(step);
    return { id: session.id, local: session.id };
  }

  /** The run may have been stopped while the browser started: close it now, not at the sweep. */
  async function closeIfStopped(step: WorkflowBrowserStep) {
    if (!step.signal.aborted) return;
    await closeRun(step.runId);
    throw step.signal.reason ?? new Error("The run was stopped");
  }

  /** Saves what another worker needs to rebuild the session if the run moves there. */
  async function saveState(step: WorkflowBrowserStep, session: { id: string; local: string }) {
    if (!states) return;
    const { model } = browser.getSession(step.workspaceId, session.local);
    const { url, cookies } = await browser.sessionState(step.workspaceId, session.local);
    await states.save(step.workspaceId, step.runId, { sessionId: session.id, model, url, cookies });
  }

  async function closeRun(runId: string): Promise<void> {
    const owned = byRun.get(runId);
    byRun.delete(runId);
    if (!owned) return;
    await Promise.all(
      [...owned.sessions.values()].map((id) => browser.closeSession(owned.workspaceId, id).catch(() => {})),
    );
    // Runs that finished (here or elsewhere) need their sessions' states no more.
    await states?.pruneFinished().catch(() => {});
  }

  async function run(
    context: CallerContext,
    step: WorkflowBrowserStep,
    session: { id: string; local: string },
  ): Promise<WorkflowBrowserResult> {
    const sessionId = session.local;
    const url = step.action === "open" && !step.sessionId ? undefined : step.url;
    const instruction = step.instruction ?? "";
    const target = { sessionId: session.id };
    switch (step.action) {
      case "open": {
        if (url) {
          const report = await browser.goto(context, sessionId, url);
          return { ...target, url: report.url, result: null, durationMs: report.durationMs };
        }
        const info = browser.getSession(step.workspaceId, sessionId);
        return { ...target, url: info.url, result: null, durationMs: 0 };
      }
      case "act":
        return reported(
          target,
          await browser.act(context, sessionId, { instruction, variables: step.variables, url }),
        );
      case "extract":
        return reported(
          target,
          await browser.extract(context, sessionId, { instruction, schema: step.schema, url }),
        );
      case "observe":
        return reported(target, await browser.observe(context, sessionId, { instruction, url }));
      case "agent":
        return reported(
          target,
          await browser.agent(context, sessionId, {
            goal: instruction,
            maxSteps: step.maxSteps,
            variables: step.variables,
            url,
          }),
        );
    }
  }

  return {
    closeRun,
    async step(step): Promise<WorkflowBrowserResult> {
      if (!step.runId) throw new Error("A browser step needs the run's id");
      const context: CallerContext = {
        workspaceId: step.workspaceId,
        apiKeyId: step.apiKeyId,
        signal: step.signal,
      };
      const session = await sessionFor(context, step);
      const result = await run(context, step, session);
      await saveState(step, session);
      return result;
    },
  };
}

function reported(
  target: { sessionId: string },
  report: { result: unknown; url: string; durationMs: number },
): WorkflowBrowserResult {
  return { ...target, url: report.url, result: report.result, durationMs: report.durationMs };
}
