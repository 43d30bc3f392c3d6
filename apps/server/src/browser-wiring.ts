import { type BrowserService, type CallerContext, createBrowserService } from "@nexus/browser";
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
 * naming a session may use only one its run opened; every session of a run closes when it ends.
 */
export function workflowBrowser(browser: BrowserService): WorkflowBrowser {
  /** Sessions by run id, with their workspace (closing needs it). */
  const byRun = new Map<string, { workspaceId: string; sessions: Set<string> }>();

  async function sessionFor(context: CallerContext, step: WorkflowBrowserStep): Promise<string> {
    if (step.sessionId) {
      const owned = byRun.get(step.runId);
      if (!owned?.sessions.has(step.sessionId) || owned.workspaceId !== step.workspaceId)
        throw new Error(`Browser session '${step.sessionId}' was not opened by this run`);
      return step.sessionId;
    }
    const session = await browser.openSession(context, {
      ...(step.model ? { model: step.model } : {}),
      ...(step.action === "open" && step.url ? { url: step.url } : {}),
    });
    const owned = byRun.get(step.runId) ?? { workspaceId: step.workspaceId, sessions: new Set<string>() };
    owned.sessions.add(session.id);
    byRun.set(step.runId, owned);
    // The run may have been stopped while the browser started: close it now, not at the sweep.
    if (step.signal.aborted) {
      await closeRun(step.runId);
      throw step.signal.reason ?? new Error("The run was stopped");
    }
    return session.id;
  }

  async function closeRun(runId: string): Promise<void> {
    const owned = byRun.get(runId);
    byRun.delete(runId);
    if (!owned) return;
    await Promise.all(
      [...owned.sessions].map((id) => browser.closeSession(owned.workspaceId, id).catch(() => {})),
    );
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
      const sessionId = await sessionFor(context, step);
      const url = step.action === "open" && !step.sessionId ? undefined : step.url;
      const instruction = step.instruction ?? "";
      const target = { sessionId };
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
    },
  };
}

function reported(
  target: { sessionId: string },
  report: { result: unknown; url: string; durationMs: number },
): WorkflowBrowserResult {
  return { ...target, url: report.url, result: report.result, durationMs: report.durationMs };
}
