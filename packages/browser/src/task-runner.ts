import { BrowserError } from "./browser-error.ts";
import type { BrowserService, CallerContext, OperationReport } from "./browser-service.ts";
import { getBrowserSettings } from "./browser-settings.ts";
import { addUsage, emptyUsage, type ModelUsage } from "./model-usage.ts";
import type { TaskDefinition, TaskStep } from "./task-definition.ts";

export interface StepReport {
  index: number;
  type: TaskStep["type"];
  /** The step's instruction, goal or URL. */
  description: string;
  status: "succeeded" | "failed" | "skipped";
  durationMs: number;
  usage: ModelUsage;
  /** Replayed from the action cache (act/agent). */
  cached: boolean;
  /** Name of the screenshot taken after the step (or at its failure), kept with the run. */
  screenshot: string | null;
  url: string | null;
  result?: unknown;
  /** Why the step failed. */
  error?: { code: string; message: string };
}

export interface TaskReport {
  status: "succeeded" | "failed";
  steps: StepReport[];
  durationMs: number;
  usage: ModelUsage;
  /** The last extraction's data. */
  output: unknown;
  /** `step N (type): reason` for a failed run. */
  error?: string;
}

/**
 * Runs a recorded task in a fresh session: each step with its timing, model usage and a
 * screenshot; the first failing step ends the run and the report says which and why. Variable
 * values are used by the steps and masked out of everything reported.
 */
export async function runTask(
  browser: BrowserService,
  context: CallerContext,
  definition: TaskDefinition,
  options: {
    variables: Record<string, string>;
    /** Keeps a step's screenshot (PNG) under `name`. */
    saveScreenshot: (name: string, image: Buffer) => Promise<void>;
    db: Parameters<typeof getBrowserSettings>[0];
  },
): Promise<TaskReport> {
  const missing = definition.variables.filter((name) => options.variables[name] === undefined);
  if (missing.length) {
    throw new BrowserError(
      "invalid_schema",
      `Missing values for the task's variables: ${missing.join(", ")}`,
      {
        param: "variables",
      },
    );
  }
  const settings = await getBrowserSettings(options.db, context.workspaceId);
  if (definition.steps.length > settings.maxSteps) {
    throw new BrowserError(
      "max_steps",
      `The task has ${definition.steps.length} steps; the workspace allows ${settings.maxSteps}`,
    );
  }
  const secrets = Object.values(options.variables).filter(Boolean);
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join("***"), text);
  const started = performance.now();
  const steps: StepReport[] = [];
  let usage = emptyUsage();
  let output: unknown;
  let failure: string | undefined;
  const session = await browser.openSession(context, { url: definition.startUrl, model: definition.model });
  try {
    for (const [index, step] of definition.steps.entries()) {
      if (failure) {
        steps.push({ ...blankStep(index, step), status: "skipped" });
        continue;
      }
      if (performance.now() - started > settings.maxDurationMs) {
        failure = `step ${index + 1} (${step.type}): the run passed the workspace's limit of ${settings.maxDurationMs} ms`;
        steps.push({
          ...blankStep(index, step),
          status: "failed",
          error: { code: "timeout", message: failure },
        });
        continue;
      }
      const stepStarted = performance.now();
      const report: StepReport = { ...blankStep(index, step), status: "succeeded" };
      try {
        const done = await runStep(browser, context, session.id, step, options.variables, definition);
        report.usage = done.usage;
        report.url = done.url;
        report.cached = isCached(done.result);
        if (step.type === "extract") {
          output = done.result;
          report.result = done.result;
        } else if (step.type === "observe") report.result = done.result;
      } catch (error) {
        const code = error instanceof BrowserError ? error.code : "action_failed";
        const message = mask((error as Error).message ?? String(error));
        report.status = "failed";
        report.error = { code, message };
        failure = `step ${index + 1} (${step.type}): ${message}`;
      }
      report.durationMs = Math.round(performance.now() - stepStarted);
      // Half size for a step that worked (a record of it), full size for the one that failed.
      const scale = report.status === "failed" ? 1 : 0.5;
      report.screenshot = await screenshot(
        browser,
        context,
        session.id,
        options.saveScreenshot,
        index,
        scale,
      );
      usage = addUsage(usage, report.usage);
      steps.push(report);
    }
  } finally {
    await browser.closeSession(context.workspaceId, session.id).catch(() => {});
  }
  return {
    status: failure ? "failed" : "succeeded",
    steps,
    durationMs: Math.round(performance.now() - started),
    usage,
    output,
    ...(failure ? { error: failure } : {}),
  };
}

async function runStep(
  browser: BrowserService,
  context: CallerContext,
  sessionId: string,
  step: TaskStep,
  variables: Record<string, string>,
  definition: TaskDefinition,
): Promise<OperationReport<unknown>> {
  switch (step.type) {
    case "goto":
      return browser.goto(context, sessionId, step.url);
    case "act":
      return browser.act(context, sessionId, { instruction: step.instruction, variables });
    case "extract":
      return browser.extract(context, sessionId, {
        instruction: step.instruction,
        schema: step.schema ?? definition.extractionSchema,
      });
    case "observe":
      return browser.observe(context, sessionId, { instruction: step.instruction });
    case "agent": {
      const run = await browser.agent(context, sessionId, {
        goal: step.goal,
        maxSteps: step.maxSteps,
        variables,
      });
      if (!run.result.success)
        throw new BrowserError("action_failed", `the agent did not reach its goal: ${run.result.message}`);
      return run;
    }
  }
}

async function screenshot(
  browser: BrowserService,
  context: CallerContext,
  sessionId: string,
  save: (name: string, image: Buffer) => Promise<void>,
  index: number,
  scale: number,
): Promise<string | null> {
  try {
    const image = await browser.screenshot(context, sessionId, { scale });
    const name = `step-${index + 1}.png`;
    await save(name, image);
    return name;
  } catch {
    return null;
  }
}

function blankStep(index: number, step: TaskStep): StepReport {
  return {
    index: index + 1,
    type: step.type,
    description: step.type === "goto" ? step.url : step.type === "agent" ? step.goal : step.instruction,
    status: "skipped",
    durationMs: 0,
    usage: emptyUsage(),
    cached: false,
    screenshot: null,
    url: null,
  };
}

const isCached = (result: unknown) =>
  typeof result === "object" && result !== null && (result as { cached?: unknown }).cached === true;
