import { containerStartTypes, describeNode } from "../graph/graph-index.ts";
import type { GraphEdge, GraphNode } from "../graph/graph-types.ts";
import type { NodeContext, NodeResult } from "../nodes/node-definition.ts";
import type { NodeStatus } from "./engine-events.ts";
import type { ErrorStrategy } from "./error-strategies.ts";
import { type NodeRunState, ResponseCoordinator } from "./response-coordinator.ts";
import type { RunState } from "./run-state.ts";
import type { VariablePool } from "./variable-pool.ts";

export interface LevelOutcome {
  ok: boolean;
  error?: string;
}

export interface Level {
  nodes: GraphNode[];
  startId: string;
  containerId?: string;
  round?: number;
}

/** Wiring of one level (node list and edges among them), cached per node list. */
interface LevelShape {
  byId: Map<string, GraphNode>;
  outgoing: Map<string, GraphEdge[]>;
  inboundCount: Map<string, number>;
  order: GraphNode[];
  ancestors: Map<string, Set<string>>;
  hasResponders: boolean;
}

const shapes = new WeakMap<GraphNode[], LevelShape>();

function shapeOf(nodes: GraphNode[], run: RunState): LevelShape {
  const cached = shapes.get(nodes);
  if (cached) return cached;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const outgoing = new Map<string, GraphEdge[]>();
  const inboundCount = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  for (const node of nodes) {
    outgoing.set(
      node.id,
      (run.index.outgoing.get(node.id) ?? []).filter((edge) => byId.has(edge.target)),
    );
    const sources = (run.index.incoming.get(node.id) ?? []).filter((edge) => byId.has(edge.source));
    inboundCount.set(node.id, sources.length);
    incoming.set(
      node.id,
      sources.map((edge) => edge.source),
    );
  }
  // Kahn's order: the order answers speak in.
  const order: GraphNode[] = [];
  const left = new Map(inboundCount);
  const queue = nodes.filter((node) => left.get(node.id) === 0);
  while (queue.length > 0) {
    const node = queue.shift() as GraphNode;
    order.push(node);
    for (const edge of outgoing.get(node.id) ?? []) {
      const count = (left.get(edge.target) ?? 0) - 1;
      left.set(edge.target, count);
      if (count === 0) queue.push(byId.get(edge.target) as GraphNode);
    }
  }
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const found = new Set<string>();
    const stack = [...(incoming.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (found.has(next)) continue;
      found.add(next);
      stack.push(...(incoming.get(next) ?? []));
    }
    ancestors.set(id, found);
    return found;
  };
  for (const node of nodes) if (node.data.type === "answer" || node.data.type === "end") ancestorsOf(node.id);
  const shape: LevelShape = {
    byId,
    outgoing,
    inboundCount,
    order,
    ancestors,
    hasResponders: nodes.some((node) => node.data.type === "answer" || node.data.type === "end"),
  };
  shapes.set(nodes, shape);
  return shape;
}

/**
 * Runs one level of a graph to its end. Ready nodes start at once and run concurrently; a node
 * is ready when every inbound edge is settled and at least one was taken. Edges a branch did not
 * choose are skipped, and a node whose inbound edges are all skipped is skipped in turn (Dify's
 * semantics). The first failure (without an error strategy) ends the level.
 */
export function runLevel(
  run: RunState,
  level: Level,
  pool: VariablePool,
  parentSignal: AbortSignal,
): Promise<LevelOutcome> {
  const shape = shapeOf(level.nodes, run);
  const controller = new AbortController();
  const abort = () => controller.abort(parentSignal.reason);
  if (parentSignal.aborted) abort();
  else parentSignal.addEventListener("abort", abort, { once: true });
  const states = new Map<string, NodeRunState>();
  const waiting = new Map<string, { left: number; taken: boolean }>();
  let running = 0;
  let finished = false;
  const coordinator = shape.hasResponders
    ? new ResponseCoordinator(
        shape.order,
        (id) => shape.ancestors.get(id) ?? new Set(),
        shape.byId,
        states,
        run.registry,
        run.mode,
        pool,
        (text, fromNodeId, selector) => run.onEvent({ type: "text_chunk", text, fromNodeId, selector }),
      )
    : undefined;

  return new Promise<LevelOutcome>((resolve) => {
    const finish = (outcome: LevelOutcome) => {
      if (finished) return;
      finished = true;
      parentSignal.removeEventListener("abort", abort);
      if (!outcome.ok) controller.abort(new Error(outcome.error));
      resolve(outcome);
    };

    const settleEdges = (node: GraphNode, handle: string | null) => {
      for (const edge of shape.outgoing.get(node.id) ?? []) {
        const target = edge.target;
        let entry = waiting.get(target);
        if (!entry) {
          entry = { left: shape.inboundCount.get(target) ?? 0, taken: false };
          waiting.set(target, entry);
        }
        entry.left--;
        if (handle !== null && edge.sourceHandle === handle) entry.taken = true;
        if (entry.left > 0) continue;
        const next = shape.byId.get(target) as GraphNode;
        if (entry.taken) launch(next);
        else {
          states.set(target, "skipped");
          settleEdges(next, null);
        }
      }
    };

    const launch = (node: GraphNode) => {
      if (finished) return;
      const restored = level.containerId === undefined ? run.resume?.get(node.id) : undefined;
      if (restored) {
        // Finished before the run was interrupted: its stored result stands, it does not run again.
        run.steps++;
        pool.setScope(node.id, restored.outputs);
        states.set(node.id, "done");
        settleEdges(node, restored.handle);
        coordinator?.pump();
        if (running === 0) finish({ ok: true });
        return;
      }
      running++;
      states.set(node.id, "running");
      coordinator?.pump();
      execute(run, level, node, pool, controller.signal, coordinator).then(
        (result) => {
          running--;
          if (finished) return;
          if (!result.ok) {
            finish({ ok: false, error: result.error });
            return;
          }
          states.set(node.id, "done");
          settleEdges(node, result.handle);
          coordinator?.pump();
          if (running === 0) finish({ ok: true });
        },
        (error: unknown) => {
          running--;
          finish({ ok: false, error: error instanceof Error ? error.message : String(error) });
        },
      );
    };

    const start = shape.byId.get(level.startId);
    if (!start) {
      finish({ ok: false, error: `The start node '${level.startId}' is not in the graph` });
      return;
    }
    launch(start);
  });
}

type ExecuteResult = { ok: true; handle: string } | { ok: false; error: string };

function stepLimitReason(run: RunState, node: GraphNode): string | undefined {
  if (run.stopReason) return run.stopReason;
  if (run.steps >= run.limits.maxSteps) {
    run.stopReason = `The run reached its limit of ${run.limits.maxSteps} steps at node ${describeNode(node)}`;
    return run.stopReason;
  }
  if (Date.now() > run.deadline) {
    run.stopReason = `The run exceeded its limit of ${Math.round(run.limits.maxDurationMs / 1000)} s at node ${describeNode(node)}`;
    return run.stopReason;
  }
  return undefined;
}

interface RetryConfig {
  enabled?: boolean;
  max_retries?: number;
  retry_interval?: number;
}

async function execute(
  run: RunState,
  level: Level,
  node: GraphNode,
  pool: VariablePool,
  signal: AbortSignal,
  coordinator: ResponseCoordinator | undefined,
): Promise<ExecuteResult> {
  if (signal.aborted) return { ok: false, error: run.stopReason ?? abortMessage(signal) };
  const limit = stepLimitReason(run, node);
  if (limit) return { ok: false, error: limit };
  run.steps++;
  const executionId = run.nextExecutionId();
  const startedAt = Date.now();
  const index = run.steps;
  const place = level.containerId === undefined ? {} : { containerId: level.containerId, round: level.round };
  const silent = containerStartTypes.has(node.data.type);
  const sideEffects = run.registry.get(node.data.type)?.sideEffects === true;
  const started = {
    type: "node_started" as const,
    executionId,
    node,
    index,
    startedAt,
    sideEffects,
    ...place,
  };
  if (!silent) run.onEvent(started);
  const note =
    level.containerId === undefined && run.interrupted?.has(node.id)
      ? "ran again: it had started before the run was interrupted and its result was not recorded"
      : undefined;

  const data = node.data;
  const retry = (data.retry_config as RetryConfig | undefined)?.enabled
    ? (data.retry_config as RetryConfig)
    : undefined;
  const maxRetries = Math.min(Math.max(retry?.max_retries ?? 0, 0), 10);
  let retries = 0;
  let result: NodeResult | undefined;
  let failure: string | undefined;
  if (sideEffects && !silent && run.beforeSideEffect) {
    // The start is stored before the node acts: a kill from here on leaves a trace.
    failure = await run.beforeSideEffect(started).then(
      () => undefined,
      (error: unknown) =>
        `Its start could not be recorded, so it did not run: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const recorded = failure === undefined;
  while (recorded) {
    try {
      result = await runOnce(run, node, pool, signal, coordinator);
      failure = undefined;
      break;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      if (signal.aborted || retries >= maxRetries) break;
      retries++;
      await sleep(Math.min(retry?.retry_interval ?? 1000, 60_000), signal);
    }
  }
  const finishedAt = Date.now();
  let status: NodeStatus = "succeeded";
  let handle = result?.handle ?? "source";
  let outputs = result?.outputs ?? {};
  if (failure !== undefined) {
    const strategy = signal.aborted ? undefined : (data.error_strategy as ErrorStrategy | undefined);
    if (strategy === "default-value" || strategy === "fail-branch") {
      status = "exception";
      run.exceptions++;
      const errorOutputs = { error_message: failure, error_type: "NodeError" };
      outputs =
        strategy === "default-value"
          ? { ...defaultValuesOf(data.default_value), ...errorOutputs }
          : errorOutputs;
      handle = strategy === "fail-branch" ? "fail-branch" : "source";
    } else {
      status = signal.aborted ? "stopped" : "failed";
    }
  }
  if (status !== "failed" && status !== "stopped") pool.setScope(node.id, outputs);
  if (result?.tokens) run.tokens += result.tokens;
  if (!silent) {
    run.onEvent({
      type: "node_finished",
      executionId,
      node,
      index,
      status,
      inputs: result?.inputs ?? {},
      outputs,
      ...(failure !== undefined ? { error: failure } : {}),
      startedAt,
      finishedAt,
      tokens: result?.tokens ?? 0,
      retries,
      handle,
      ...(note ? { note } : {}),
      ...place,
    });
  }
  if (status === "failed" || status === "stopped") {
    const reason = run.stopReason ?? `Node ${describeNode(node)} failed: ${failure}`;
    return { ok: false, error: status === "stopped" ? (run.stopReason ?? abortMessage(signal)) : reason };
  }
  return { ok: true, handle };
}

async function runOnce(
  run: RunState,
  node: GraphNode,
  pool: VariablePool,
  signal: AbortSignal,
  coordinator: ResponseCoordinator | undefined,
): Promise<NodeResult> {
  const data = node.data;
  if (data._unsupported !== undefined) throw new Error(`Nexus cannot run this node: ${data._unsupported}`);
  const definition = run.registry.get(data.type);
  if (!definition) throw new Error(`Node type '${data.type}' is not supported by Nexus`);
  const timeoutMs = definition.waitsForPeople
    ? Math.min(Math.max(Number(data.timeout ?? 86_400), 1), 30 * 86_400) * 1000
    : run.limits.nodeTimeoutMs;
  const nodeController = new AbortController();
  const onAbort = () => nodeController.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const resumeDeadline = definition.waitsForPeople ? run.pauseDeadline?.() : undefined;
  const context: NodeContext = {
    node,
    pool,
    services: run.services,
    signal: nodeController.signal,
    timeoutMs,
    index: run.index,
    emitChunk: (output, text) => coordinator?.chunk(node.id, output, text),
    runSubGraph: ({ pool: childPool, signal: childSignal, round }) => {
      const children = run.index.children.get(node.id) ?? [];
      const startId =
        typeof data.start_node_id === "string" && children.some((child) => child.id === data.start_node_id)
          ? data.start_node_id
          : children.find((child) => containerStartTypes.has(child.data.type))?.id;
      if (startId === undefined)
        return Promise.resolve({
          ok: false,
          error: `Node ${describeNode(node)} has no start node inside it`,
        });
      return runLevel(run, { nodes: children, startId, containerId: node.id, round }, childPool, childSignal);
    },
  };
  try {
    const work = definition.run(context);
    // A timer per node costs; only nodes that wait on something outside need one.
    if (!isSyncish(definition.type)) {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const error = new Error(
            `Node ${describeNode(node)} timed out after ${Math.round(timeoutMs / 1000)} s`,
          );
          nodeController.abort(error);
          reject(error);
        }, timeoutMs);
      });
      return await Promise.race([work, timeout]);
    }
    return await work;
  } finally {
    if (timer) clearTimeout(timer);
    resumeDeadline?.();
    signal.removeEventListener("abort", onAbort);
  }
}

const syncishTypes = new Set([
  "start",
  "end",
  "answer",
  "if-else",
  "variable-aggregator",
  "variable-assigner",
  "assigner",
  "template-transform",
  "iteration-start",
  "loop-start",
  "list-operator",
]);

function isSyncish(type: string): boolean {
  return syncishTypes.has(type);
}

function defaultValuesOf(value: unknown): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  if (!Array.isArray(value)) return outputs;
  for (const item of value as Array<{ key?: string; value?: unknown }>) {
    if (typeof item?.key === "string") outputs[item.key] = item.value;
  }
  return outputs;
}

function abortMessage(signal: AbortSignal): string {
  const reason = signal.reason;
  return reason instanceof Error ? reason.message : "The run was stopped";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
