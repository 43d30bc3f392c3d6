import { invalidRequest } from "@nexus/core";
import { GraphIndex } from "../graph/graph-index.ts";
import type { StartVariable, WorkflowDefinition } from "../graph/graph-types.ts";
import type { NodeRegistry, RunServices } from "../nodes/node-definition.ts";
import type { EngineEvent } from "./engine-events.ts";
import { runLevel } from "./level-runner.ts";
import { defaultRunLimits, type ResumedNode, type RunLimits, type RunState } from "./run-state.ts";
import { VariablePool } from "./variable-pool.ts";

/** Dify's `sys.*` values. */
export interface SystemValues {
  query?: string;
  files?: unknown[];
  conversation_id?: string;
  user?: string;
  dialogue_count?: number;
  app_id?: string;
  workflow_id?: string;
  workflow_run_id: string;
  [name: string]: unknown;
}

export interface RunWorkflowOptions {
  definition: WorkflowDefinition;
  registry: NodeRegistry;
  services: RunServices;
  inputs: Record<string, unknown>;
  system: SystemValues;
  /** Current conversation variable values (advanced-chat); declared defaults fill the rest. */
  conversation?: Record<string, unknown>;
  signal?: AbortSignal;
  limits?: Partial<RunLimits>;
  onEvent?: (event: EngineEvent) => void;
  /** Awaited before each side-effecting node acts, after its `node_started` (see RunState). */
  beforeSideEffect?: RunState["beforeSideEffect"];
  /** Resume an interrupted run: results of top-level nodes that finished, and nodes that had only started. */
  resume?: { completed: Map<string, ResumedNode>; interrupted: Set<string> };
}

export type RunStatus = "succeeded" | "failed" | "partial-succeeded" | "stopped";

export interface RunOutcome {
  status: RunStatus;
  outputs: Record<string, unknown>;
  error?: string;
  /** advanced-chat: the answer text, as streamed. */
  answer: string;
  totalSteps: number;
  totalTokens: number;
  exceptionsCount: number;
  elapsedMs: number;
  /** Conversation variables after the run (to store for the next turn). */
  conversation: Record<string, unknown>;
}

const indexes = new WeakMap<WorkflowDefinition["graph"], GraphIndex>();

function indexOf(definition: WorkflowDefinition): GraphIndex {
  let index = indexes.get(definition.graph);
  if (!index) {
    index = new GraphIndex(definition.graph);
    indexes.set(definition.graph, index);
  }
  return index;
}

/** The start node's declared inputs. */
export function startVariablesOf(definition: WorkflowDefinition): StartVariable[] {
  const start = indexOf(definition)
    .topLevel()
    .find((node) => node.data.type === "start");
  return (start?.data.variables as StartVariable[] | undefined) ?? [];
}

/**
 * Checks run inputs against the start node's variables (required, type, length, options) and
 * returns them coerced (numbers from numeric strings); throws a 400 naming the variable.
 */
export function checkInputs(
  definition: WorkflowDefinition,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const checked: Record<string, unknown> = { ...inputs };
  for (const variable of startVariablesOf(definition)) {
    const name = variable.variable;
    let value = inputs[name];
    // An empty string is a value (Dify's passthrough tests send one); only absence is missing.
    const absent = value === undefined || value === null || (value === "" && variable.type === "number");
    if (absent) {
      if (variable.default !== undefined && variable.default !== null && variable.default !== "") {
        checked[name] = variable.default;
        continue;
      }
      if (variable.required) throw invalidRequest(`Input '${name}' is required`, `inputs.${name}`);
      checked[name] = variable.type === "number" ? null : "";
      continue;
    }
    if (variable.type === "number") {
      const number = typeof value === "number" ? value : Number(value);
      if (typeof value === "boolean" || Number.isNaN(number)) {
        throw invalidRequest(`Input '${name}' must be a number`, `inputs.${name}`);
      }
      value = number;
    } else if (["text-input", "paragraph", "select", "string"].includes(variable.type)) {
      if (typeof value !== "string")
        throw invalidRequest(`Input '${name}' must be a string`, `inputs.${name}`);
      if (variable.max_length && value.length > variable.max_length && variable.type !== "paragraph") {
        throw invalidRequest(
          `Input '${name}' is longer than ${variable.max_length} characters`,
          `inputs.${name}`,
        );
      }
      if (
        variable.type === "select" &&
        variable.options &&
        variable.options.length > 0 &&
        !variable.options.includes(value)
      ) {
        throw invalidRequest(
          `Input '${name}' must be one of: ${variable.options.join(", ")}`,
          `inputs.${name}`,
        );
      }
    }
    checked[name] = value;
  }
  return checked;
}

/**
 * Runs a workflow to its end in this process and reports every step through `onEvent`.
 * Never throws for a node's failure: the outcome says `failed` with the node named.
 *
 * @example
 * const outcome = await runWorkflow({ definition, registry, services, inputs: { query: "hi" },
 *   system: { workflow_run_id: "run_1" } });
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<RunOutcome> {
  const { definition } = options;
  const index = indexOf(definition);
  const limits: RunLimits = { ...defaultRunLimits, ...options.limits };
  const startedAt = Date.now();
  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason ?? new Error("The run was stopped"));
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener("abort", onOuterAbort, { once: true });
  let deadlineTimer: NodeJS.Timeout | undefined;
  const armDeadline = () => {
    deadlineTimer = setTimeout(
      () => {
        run.stopReason = `The run exceeded its limit of ${Math.round(limits.maxDurationMs / 1000)} s`;
        controller.abort(new Error(run.stopReason));
      },
      Math.max(0, run.deadline - Date.now()),
    );
    deadlineTimer.unref?.();
  };
  // Time spent waiting for people (human-input) does not count against the run's limit.
  let waitingForPeople = 0;
  let pausedSince = 0;
  const pauseDeadline = () => {
    if (waitingForPeople++ === 0) {
      pausedSince = Date.now();
      clearTimeout(deadlineTimer);
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--waitingForPeople > 0) return;
      run.deadline += Date.now() - pausedSince;
      if (!controller.signal.aborted) armDeadline();
    };
  };

  let answer = "";
  const onEvent = options.onEvent;
  let executionCounter = 0;
  const run: RunState = {
    runId: options.system.workflow_run_id,
    index,
    registry: options.registry,
    services: options.services,
    mode: definition.mode,
    limits,
    deadline: startedAt + limits.maxDurationMs,
    pauseDeadline,
    signal: controller.signal,
    steps: 0,
    tokens: 0,
    exceptions: 0,
    onEvent: (event) => {
      if (event.type === "text_chunk") answer += event.text;
      onEvent?.(event);
    },
    ...(options.beforeSideEffect ? { beforeSideEffect: options.beforeSideEffect } : {}),
    nextExecutionId: () =>
      `${options.system.workflow_run_id}-${options.resume ? "r" : ""}${++executionCounter}`,
    ...(options.resume ? { resume: options.resume.completed, interrupted: options.resume.interrupted } : {}),
  };

  armDeadline();

  const pool = new VariablePool();
  pool.setScope("sys", { files: [], ...options.system });
  const environment: Record<string, unknown> = {};
  for (const variable of definition.environmentVariables) environment[variable.name] = variable.value;
  pool.setScope("env", environment);
  const conversation: Record<string, unknown> = {};
  for (const variable of definition.conversationVariables) {
    conversation[variable.name] = structuredClone(variable.value ?? null);
  }
  Object.assign(conversation, options.conversation ?? {});
  pool.setScope("conversation", conversation);
  pool.setScope("__inputs", options.inputs);

  const start = index.topLevel().find((node) => node.data.type === "start");
  const topLevel = topLevelNodes(index);
  const outcome = start
    ? await runLevel(run, { nodes: topLevel, startId: start.id }, pool, controller.signal)
    : { ok: false, error: "The graph has no start node" };
  clearTimeout(deadlineTimer);
  outer?.removeEventListener("abort", onOuterAbort);

  const outputs: Record<string, unknown> = {};
  if (definition.mode === "advanced-chat") outputs.answer = answer;
  else {
    for (const node of topLevel) {
      if (node.data.type !== "end") continue;
      Object.assign(outputs, pool.scope(node.id) ?? {});
    }
  }
  const stopped = !outcome.ok && outer?.aborted === true;
  const status: RunStatus = outcome.ok
    ? run.exceptions > 0
      ? "partial-succeeded"
      : "succeeded"
    : stopped
      ? "stopped"
      : "failed";
  return {
    status,
    outputs,
    ...(outcome.ok ? {} : { error: outcome.error ?? "The run failed" }),
    answer,
    totalSteps: run.steps,
    totalTokens: run.tokens,
    exceptionsCount: run.exceptions,
    elapsedMs: Date.now() - startedAt,
    conversation: pool.scope("conversation") ?? {},
  };
}

const topLevels = new WeakMap<GraphIndex, ReturnType<GraphIndex["topLevel"]>>();

function topLevelNodes(index: GraphIndex) {
  let nodes = topLevels.get(index);
  if (!nodes) {
    nodes = index.topLevel();
    topLevels.set(index, nodes);
  }
  return nodes;
}
