import { z } from "zod";
import { renderTemplate } from "../engine/template-selectors.ts";
import type { VariablePool } from "../engine/variable-pool.ts";
import type { NodeData } from "../graph/graph-types.ts";
import { browserDataSchema, jsonSchemaObject } from "../node-schemas/io-node-schemas.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

export const browserActions = ["open", "act", "extract", "observe", "agent"] as const;
export type BrowserAction = (typeof browserActions)[number];

/** One browser step of a run, as the node asks the server's browser service for it. */
export interface WorkflowBrowserStep {
  workspaceId: string;
  apiKeyId: string | null;
  /** The run the step belongs to: sessions it opens are the run's, closed by `closeRun`. */
  runId: string;
  /** `open` starts a session (on `url` when given); the others run Stagehand's operation. */
  action: BrowserAction;
  /** Opened first (under the workspace's URL policy); required for a step without a session. */
  url?: string;
  /** The instruction (act, extract, observe) or the goal (agent); required but for `open`. */
  instruction?: string;
  /** JSON Schema (type object) the extracted data must match. */
  schema?: Record<string, unknown>;
  /** Values for `%name%` placeholders in act/agent instructions; masked in logs and model calls. */
  variables?: Record<string, string>;
  maxSteps?: number;
  /** A gateway model or alias for a new session; the server's browser default otherwise. */
  model?: string;
  /** A session an earlier step of this run opened; without one a new session is opened. */
  sessionId?: string;
  signal: AbortSignal;
}

export interface WorkflowBrowserResult {
  sessionId: string;
  /** The page's URL after the step. */
  url: string;
  /** extract: the data; observe: the actions found; act/agent: the outcome; open: null. */
  result: unknown;
  durationMs: number;
}

/**
 * What the `nexus-browser` node calls. The server implements it over its browser service (one
 * pool of sessions, the workspace's URL policy and limits); without one the node fails saying so.
 */
export interface WorkflowBrowser {
  /** Runs one step, opening a session for the run when the step names none. */
  step(request: WorkflowBrowserStep): Promise<WorkflowBrowserResult>;
  /** Closes every session the run opened; the engine's service calls it when the run ends. */
  closeRun(runId: string): Promise<void>;
}

const browserNodeDataSchema = z.object({
  action: z.enum(browserActions, {
    error: (issue) =>
      `unknown action '${String(issue.input)}' (expected one of ${browserActions.join(", ")})`,
  }),
  url: z.string().max(4_000).optional(),
  instruction: z.string().max(20_000).optional(),
  /** An object, or its JSON text (what a form field holds). */
  schema: z.union([jsonSchemaObject, z.string()]).nullish(),
  variables: z.record(z.string(), z.string()).nullish(),
  max_steps: z.number().int().min(1).max(200).nullish(),
  model: z.string().max(200).nullish(),
  /** `[nodeId, "session_id"]` of an earlier browser node: the step runs in that session. */
  session_selector: z.array(z.string()).nullish(),
});

/** Why the node's settings cannot run (at import, so a bad action is flagged before any run). */
function settingsProblem(data: NodeData): string | undefined {
  const parsed = browserNodeDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}`;
  }
  return undefined;
}

function schemaOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let schema = value;
  if (typeof value === "string") {
    try {
      schema = JSON.parse(value);
    } catch {
      throw new Error("schema is not valid JSON");
    }
  }
  if (!schema || typeof schema !== "object" || Array.isArray(schema))
    throw new Error("schema must be a JSON Schema object");
  return schema as Record<string, unknown>;
}

const render = (text: string | undefined, pool: VariablePool) =>
  text === undefined ? undefined : renderTemplate(text, pool).trim();

/**
 * Stagehand in a workflow: `open` a browser session, or `act` / `extract` / `observe` / `agent`
 * on a page, in a new session or one an earlier node opened (`session_selector`). The URL and
 * instruction take `{{#node.output#}}` references, as do variable values. Outputs `session_id`,
 * `url`, `result` (the extracted data, the observed actions or the act/agent outcome) and `text`
 * (the result as text). A Nexus node type; Dify has none. The run's sessions close when it ends.
 *
 * @example
 * { type: "nexus-browser", action: "extract", url: "{{#start.page#}}",
 *   instruction: "the product names and prices", schema: { type: "object", ... } }
 */
export const browserNode = defineNode({
  type: "nexus-browser",
  sideEffects: true,
  dataSchema: browserDataSchema,
  unsupportedReason: settingsProblem,
  run: async ({ node, pool, services, signal }) => {
    const parsed = browserNodeDataSchema.safeParse(node.data);
    if (!parsed.success) throw new Error(`Invalid browser step: ${settingsProblem(node.data)}`);
    const data = parsed.data;
    const url = render(data.url, pool) || undefined;
    const instruction = render(data.instruction, pool);
    if (data.action !== "open" && !instruction)
      throw new Error(`The ${data.action} step needs an instruction`);
    const sessionSelector = selectorOf(data.session_selector);
    const sessionId = sessionSelector ? String(pool.get(sessionSelector) ?? "") : undefined;
    if (sessionSelector && !sessionId)
      throw new Error(`No browser session at ${sessionSelector.join(".")} (has that node run?)`);
    if (data.action !== "open" && !sessionId && !url)
      throw new Error(`The ${data.action} step needs a url or a session_selector`);
    const schema = data.action === "extract" ? schemaOf(data.schema) : undefined;
    const variables = data.variables
      ? Object.fromEntries(
          Object.entries(data.variables).map(([key, value]) => [key, renderTemplate(value, pool)]),
        )
      : undefined;
    if (!services.browser) throw new Error("Browser automation is not available to workflows in this Nexus");

    const step = await services.browser.step({
      workspaceId: services.workspaceId,
      apiKeyId: services.apiKeyId,
      runId: String(pool.get(["sys", "workflow_run_id"]) ?? ""),
      action: data.action,
      ...(url ? { url } : {}),
      ...(instruction ? { instruction } : {}),
      ...(schema ? { schema } : {}),
      ...(variables ? { variables } : {}),
      ...(data.max_steps ? { maxSteps: data.max_steps } : {}),
      ...(data.model ? { model: data.model } : {}),
      ...(sessionId ? { sessionId } : {}),
      signal,
    });
    const text =
      step.result === null || step.result === undefined
        ? ""
        : typeof step.result === "string"
          ? step.result
          : JSON.stringify(step.result);
    return {
      outputs: { session_id: step.sessionId, url: step.url, result: step.result ?? null, text },
      // Variable values may be secrets: the run history keeps their names only.
      inputs: {
        action: data.action,
        url: url ?? null,
        instruction: instruction ?? null,
        variables: Object.keys(variables ?? {}),
        session_id: sessionId ?? null,
      },
    };
  },
});
