import type { Action, ActResult } from "@browserbasehq/stagehand";
import { z } from "zod";
import type { ActionCache, CachedAction, CachedStep, CacheKey } from "./action-cache.ts";
import { BrowserError } from "./browser-error.ts";
import type { BrowserSession } from "./browser-session.ts";
import { pageShapeOf } from "./page-shape.ts";

/** How long a cached action may take before replay counts as failed and the model is asked. */
const replayTimeoutMs = 4_000;

export interface ActOutcome {
  /** The actions performed (selectors resolved), variables as `%name%`. */
  actions: CachedAction[];
  description: string;
  /** Replayed from the action cache with no model call. */
  cached: boolean;
  /** A cached replay failed and the model planned the actions again (the cache was updated). */
  healed: boolean;
}

/**
 * `act` with the action cache: replay the actions recorded for this instruction on this page
 * shape; when there are none or replay fails, ask the model (Stagehand's act) and record its
 * resolved actions.
 */
export async function actWithCache(
  session: BrowserSession,
  cache: ActionCache,
  instruction: string,
  variables: Record<string, string>,
  timeoutMs: number,
): Promise<ActOutcome> {
  const key: CacheKey = {
    workspaceId: session.workspaceId,
    kind: "act",
    instruction,
    shape: await pageShapeOf(session.page()),
    variableNames: Object.keys(variables),
  };
  const cached = await cache.lookup(key);
  if (cached) {
    const replayed = await replaySteps(session, cached, variables);
    if (replayed) {
      await cache.recordHit(key);
      return { actions: actionsOf(cached), description: instruction, cached: true, healed: false };
    }
  }
  const result = await actByModel(session, instruction, variables, timeoutMs);
  const actions = result.actions.map(toCachedAction);
  await cache.save(
    key,
    actions.map((action) => ({ type: "action", action })),
  );
  return { actions, description: result.actionDescription, cached: false, healed: cached !== undefined };
}

export async function actByModel(
  session: BrowserSession,
  instruction: string,
  variables: Record<string, string>,
  timeoutMs: number,
): Promise<ActResult> {
  let result: ActResult;
  try {
    result = await session.stagehand.act(instruction, { variables, timeout: timeoutMs });
  } catch (error) {
    throw asBrowserError(error, "action_failed", `act "${instruction}" failed`);
  }
  if (!result.success || result.actions.length === 0) {
    throw new BrowserError(
      result.actions.length === 0 ? "element_not_found" : "action_failed",
      `act "${instruction}" failed: ${session.mask(result.message || "no element matched")}`,
    );
  }
  return result;
}

/** Performs one resolved action (from `observe`) as is: no model call, no cache. */
export async function performAction(
  session: BrowserSession,
  action: CachedAction,
  variables: Record<string, string>,
): Promise<ActOutcome> {
  let result: ActResult;
  try {
    result = await session.stagehand.act(action as Action, { variables, timeout: replayTimeoutMs });
  } catch (error) {
    throw asBrowserError(error, "action_failed", `${action.method} on ${action.selector} failed`);
  }
  if (!result.success) {
    throw new BrowserError(
      "action_failed",
      `${action.method} on ${action.selector} failed: ${session.mask(result.message)}`,
    );
  }
  return { actions: [action], description: action.description, cached: false, healed: false };
}

/** Replays cached steps; false at the first one that fails (the page changed under the cache). */
export async function replaySteps(
  session: BrowserSession,
  steps: CachedStep[],
  variables: Record<string, string>,
): Promise<boolean> {
  for (const step of steps) {
    try {
      if (step.type === "goto") {
        await session.page().goto(step.url, { waitUntil: "load", timeoutMs: 15_000 });
        continue;
      }
      const result = await session.stagehand.act(step.action as Action, {
        variables,
        timeout: replayTimeoutMs,
      });
      if (!result.success) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export async function extractWith(
  session: BrowserSession,
  instruction: string,
  jsonSchema: Record<string, unknown> | undefined,
  timeoutMs: number,
): Promise<unknown> {
  const schema = jsonSchema ? zodOf(jsonSchema) : undefined;
  try {
    const result = schema
      ? await session.stagehand.extract(instruction, schema as z.ZodObject, { timeout: timeoutMs })
      : await session.stagehand.extract(instruction, { timeout: timeoutMs });
    if (schema) {
      // Stagehand resolves link ids to URLs after validation: check the final value once more.
      const checked = schema.safeParse(result);
      if (!checked.success) {
        throw new BrowserError(
          "extraction_mismatch",
          `The extraction does not match the schema: ${checked.error.message}`,
        );
      }
      return checked.data;
    }
    return result;
  } catch (error) {
    if (error instanceof BrowserError && error.code === "model_output_invalid") {
      throw new BrowserError("extraction_mismatch", error.message, { cause: error });
    }
    throw asBrowserError(error, "action_failed", `extract "${instruction}" failed`);
  }
}

/** A JSON Schema from the API as zod; the root must describe an object (Stagehand extracts into one). */
export function zodOf(jsonSchema: Record<string, unknown>): z.ZodType {
  if (jsonSchema.type !== "object") {
    throw new BrowserError("invalid_schema", "The extraction schema must be a JSON Schema of type 'object'", {
      param: "schema",
    });
  }
  try {
    return z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new BrowserError(
      "invalid_schema",
      `The extraction schema is not valid JSON Schema: ${(error as Error).message}`,
      {
        param: "schema",
      },
    );
  }
}

export async function observeWith(session: BrowserSession, instruction: string, timeoutMs: number) {
  try {
    const actions = await session.stagehand.observe(instruction, { timeout: timeoutMs });
    return actions.map(toCachedAction);
  } catch (error) {
    throw asBrowserError(error, "action_failed", `observe "${instruction}" failed`);
  }
}

export function toCachedAction(action: Action): CachedAction {
  return {
    selector: action.selector,
    description: action.description,
    method: action.method ?? "click",
    arguments: action.arguments ?? [],
  };
}

function actionsOf(steps: CachedStep[]): CachedAction[] {
  return steps.flatMap((step) => (step.type === "action" ? [step.action] : []));
}

/** Stagehand's own errors (timeouts, missing elements) as BrowserErrors with their reason kept. */
export function asBrowserError(error: unknown, code: "action_failed", prefix: string): BrowserError {
  if (error instanceof BrowserError) return error;
  const message = (error as Error)?.message ?? String(error);
  const name = (error as Error)?.name ?? "";
  if (/timeout|timed out/i.test(name) || /timed out|timeout/i.test(message)) {
    return new BrowserError("timeout", `${prefix}: ${message}`, { cause: error });
  }
  if (/not (be )?found|no element|could not find|resolve.*selector/i.test(message)) {
    return new BrowserError("element_not_found", `${prefix}: ${message}`, { cause: error });
  }
  return new BrowserError(code, `${prefix}: ${message}`, { cause: error });
}
