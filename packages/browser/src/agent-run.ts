import type { Action } from "@browserbasehq/stagehand";
import type { ActionCache, CachedStep, CacheKey } from "./action-cache.ts";
import { BrowserError } from "./browser-error.ts";
import { asBrowserError, replaySteps, toCachedAction } from "./browser-operations.ts";
import type { BrowserSession } from "./browser-session.ts";
import { pageShapeOf } from "./page-shape.ts";
import { assertUrlAllowed, type UrlPolicy } from "./url-policy.ts";

export interface AgentOutcome {
  success: boolean;
  completed: boolean;
  message: string;
  /** What the agent did, step by step (replayed steps when cached). */
  steps: CachedStep[];
  cached: boolean;
  healed: boolean;
}

/** A step the agent reported to Stagehand's replay recorder. */
interface RecordedAgentStep {
  type: string;
  actions?: Action[];
  url?: string;
}

/**
 * Stagehand's agent (its tool loop on the AI SDK, the model behind the gateway) with the action
 * cache: a goal already reached on this page shape is replayed without the model; otherwise the
 * agent runs and, when it succeeds with only replayable steps (act, fillForm, goto), they are
 * recorded.
 */
export async function agentWithCache(
  session: BrowserSession,
  cache: ActionCache,
  goal: string,
  maxSteps: number,
  variables: Record<string, string>,
  signal: AbortSignal,
  policy: UrlPolicy,
): Promise<AgentOutcome> {
  const key: CacheKey = {
    workspaceId: session.workspaceId,
    kind: "agent",
    instruction: goal,
    shape: await pageShapeOf(session.page()),
    variableNames: Object.keys(variables),
  };
  const cached = await cache.lookup(key);
  if (cached && (await replaySteps(session, cached, variables))) {
    await cache.recordHit(key);
    return {
      success: true,
      completed: true,
      message: "Replayed from the action cache",
      steps: cached,
      cached: true,
      healed: false,
    };
  }
  const recorded: RecordedAgentStep[] = [];
  const stagehand = session.stagehand as unknown as { recordAgentReplayStep(step: RecordedAgentStep): void };
  const original = stagehand.recordAgentReplayStep;
  stagehand.recordAgentReplayStep = (step) => {
    recorded.push(structuredClone(step));
  };
  // The agent's goto tool navigates the active page directly: hold it to the workspace's policy.
  const page = session.page();
  const goto = page.goto;
  page.goto = async (url, options) => {
    await assertUrlAllowed(url, policy);
    return goto.call(page, url, options);
  };
  try {
    const agent = session.stagehand.agent({});
    const result = await agent.execute({
      instruction: goal,
      maxSteps,
      signal,
      // Web search would leave the machine (Brave/Browserbase APIs).
      excludeTools: ["search"],
      ...(Object.keys(variables).length ? { variables } : {}),
    });
    const steps = replayableSteps(recorded);
    if (result.success && result.completed && steps) await cache.save(key, steps);
    return {
      success: result.success,
      completed: result.completed,
      message: session.mask(result.message),
      steps: steps ?? [],
      cached: false,
      healed: cached !== undefined,
    };
  } catch (error) {
    if (signal.aborted) throw new BrowserError("timeout", `agent "${goal}" ran past its time limit`);
    throw asBrowserError(error, "action_failed", `agent "${goal}" failed`);
  } finally {
    stagehand.recordAgentReplayStep = original;
    page.goto = goto;
  }
}

/** The run as cache steps, or undefined when it holds a step we cannot replay faithfully. */
function replayableSteps(recorded: RecordedAgentStep[]): CachedStep[] | undefined {
  const steps: CachedStep[] = [];
  for (const step of recorded) {
    if (step.type === "act" || step.type === "fillForm") {
      for (const action of step.actions ?? []) steps.push({ type: "action", action: toCachedAction(action) });
    } else if (step.type === "goto" && step.url) steps.push({ type: "goto", url: step.url });
    else if (!["done", "extract", "screenshot", "ariaTree", "think", "wait"].includes(step.type))
      return undefined;
  }
  return steps.length ? steps : undefined;
}
