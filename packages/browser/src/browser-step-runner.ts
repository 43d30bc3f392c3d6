import type { BrowserService, CallerContext, OperationReport } from "./browser-service.ts";

/** One browser operation on a URL, as a workflow node (or any caller without a session) asks for it. */
export interface BrowserStepRequest {
  operation: "act" | "extract" | "observe" | "agent";
  url: string;
  /** The instruction (act, extract, observe) or the goal (agent). */
  instruction: string;
  /** JSON Schema (type object) for extract. */
  schema?: Record<string, unknown>;
  variables?: Record<string, string>;
  maxSteps?: number;
  model?: string;
}

/**
 * One operation in a one-off browser: it opens on the URL, the operation runs under the
 * workspace's policy, cache and limits, and the browser closes. (Workflow `nexus-browser` nodes
 * use the run-scoped wiring in apps/server/src/browser-wiring.ts instead, whose sessions chain
 * from node to node.)
 *
 * @example
 * const runner = createBrowserStepRunner(browserService);
 * const { result } = await runner.run(context, { operation: "extract", url, instruction: "the price" });
 */
export interface BrowserStepRunner {
  run(context: CallerContext, request: BrowserStepRequest): Promise<OperationReport<unknown>>;
}

export function createBrowserStepRunner(browser: BrowserService): BrowserStepRunner {
  return {
    async run(context, request) {
      const session = await browser.openSession(context, { url: request.url, model: request.model });
      try {
        const { instruction, variables } = request;
        switch (request.operation) {
          case "act":
            return await browser.act(context, session.id, { instruction, variables });
          case "extract":
            return await browser.extract(context, session.id, { instruction, schema: request.schema });
          case "observe":
            return await browser.observe(context, session.id, { instruction });
          case "agent":
            return await browser.agent(context, session.id, {
              goal: instruction,
              maxSteps: request.maxSteps,
              variables,
            });
        }
      } finally {
        await browser.closeSession(context.workspaceId, session.id).catch(() => {});
      }
    },
  };
}
