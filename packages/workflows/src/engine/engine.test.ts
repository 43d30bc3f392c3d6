import { beforeEach, describe, expect, it } from "vitest";
import { importDsl } from "../dsl/import-dsl.ts";
import { defineNode, type NodeDefinition } from "../nodes/node-definition.ts";
import { builtinNodes, createNodeRegistry } from "../nodes/registry.ts";
import { buildDefinition, chainDefinition, dslOf } from "../testing/graph-builder.ts";
import type { EngineEvent } from "./engine-events.ts";
import { type RunWorkflowOptions, runWorkflow } from "./run-workflow.ts";

const attempts = new Map<string, number>();
/** Test-only node types: wait a while, or fail the first N tries. */
const testNodes: NodeDefinition[] = [
  defineNode({
    type: "test-wait",
    run: async ({ node, signal }) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, Number(node.data.ms));
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new Error("aborted"));
        });
      });
      return { outputs: { waited: node.data.ms, at: Date.now() } };
    },
  }),
  defineNode({
    type: "test-flaky",
    run: async ({ node }) => {
      const count = (attempts.get(node.id) ?? 0) + 1;
      attempts.set(node.id, count);
      if (count <= Number(node.data.failures)) throw new Error(`try ${count} failed`);
      return { outputs: { tries: count } };
    },
  }),
];
const registry = createNodeRegistry([...builtinNodes, ...testNodes]);

function run(definition: RunWorkflowOptions["definition"], extra: Partial<RunWorkflowOptions> = {}) {
  const events: EngineEvent[] = [];
  return runWorkflow({
    definition,
    registry,
    services: { workspaceId: "ws", apiKeyId: null, mode: definition.mode },
    inputs: {},
    system: { workflow_run_id: "run" },
    onEvent: (event) => events.push(event),
    ...extra,
  }).then((outcome) => ({ ...outcome, events }));
}

describe("workflow engine", () => {
  beforeEach(() => attempts.clear());

  it("runs ready branches concurrently and joins them", async () => {
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["a", { type: "test-wait", ms: 150 }],
        ["b", { type: "test-wait", ms: 150 }],
        [
          "e",
          {
            type: "end",
            outputs: [
              { variable: "a", value_selector: ["a", "waited"] },
              { variable: "b", value_selector: ["b", "waited"] },
            ],
          },
        ],
      ],
      [
        ["s", "a"],
        ["s", "b"],
        ["a", "e"],
        ["b", "e"],
      ],
    );
    const started = Date.now();
    const outcome = await run(definition);
    expect(outcome).toMatchObject({ status: "succeeded", outputs: { a: 150, b: 150 }, totalSteps: 4 });
    expect(Date.now() - started).toBeLessThan(280);
  });

  it("retries a node per its retry_config", async () => {
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        [
          "f",
          {
            type: "test-flaky",
            failures: 2,
            retry_config: { enabled: true, max_retries: 2, retry_interval: 10 },
          },
        ],
        ["e", { type: "end", outputs: [{ variable: "tries", value_selector: ["f", "tries"] }] }],
      ],
      [
        ["s", "f"],
        ["f", "e"],
      ],
    );
    const outcome = await run(definition);
    expect(outcome.outputs).toEqual({ tries: 3 });
    const finished = outcome.events.find((event) => event.type === "node_finished" && event.node.id === "f");
    expect(finished).toMatchObject({ status: "succeeded", retries: 2 });
  });

  it("default-value and fail-branch error strategies", async () => {
    const defaults = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        [
          "f",
          {
            type: "test-flaky",
            failures: 99,
            error_strategy: "default-value",
            default_value: [{ key: "tries", type: "number", value: -1 }],
          },
        ],
        [
          "e",
          {
            type: "end",
            outputs: [
              { variable: "tries", value_selector: ["f", "tries"] },
              { variable: "why", value_selector: ["f", "error_message"] },
            ],
          },
        ],
      ],
      [
        ["s", "f"],
        ["f", "e"],
      ],
    );
    const outcome = await run(defaults);
    expect(outcome).toMatchObject({
      status: "partial-succeeded",
      exceptionsCount: 1,
      outputs: { tries: -1, why: "try 1 failed" },
    });

    const branch = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["g", { type: "test-flaky", failures: 99, error_strategy: "fail-branch" }],
        ["ok", { type: "end", outputs: [{ variable: "path", value_selector: ["g", "tries"] }] }],
        ["bad", { type: "end", outputs: [{ variable: "error", value_selector: ["g", "error_message"] }] }],
      ],
      [
        ["s", "g"],
        ["g", "ok"],
        ["g", "bad", "fail-branch"],
      ],
    );
    const failed = await run(branch);
    expect(failed.outputs).toEqual({ error: "try 1 failed" });
    expect(failed.events.some((event) => event.type === "node_started" && event.node.id === "ok")).toBe(
      false,
    );
  });

  it("fails a run naming the node, and stops at the step limit, node timeout, run timeout and cancel", async () => {
    const failing = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["f", { type: "test-flaky", title: "Flaky", failures: 99 }],
      ],
      [["s", "f"]],
    );
    expect((await run(failing)).error).toBe("Node 'Flaky' (f) failed: try 1 failed");

    const endless = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        [
          "loop",
          { type: "loop", loop_count: 1000, break_conditions: [], loop_variables: [], start_node_id: "ls" },
        ],
        ["ls", { type: "loop-start", isInLoop: true, loop_id: "loop" }],
        ["step", { type: "variable-aggregator", isInLoop: true, loop_id: "loop", variables: [] }],
      ],
      [
        ["s", "loop"],
        ["ls", "step"],
      ],
    );
    const limited = await run(endless);
    expect(limited.status).toBe("failed");
    expect(limited.error).toMatch(/reached its limit of 500 steps/);

    const slow = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["w", { type: "test-wait", title: "Wait", ms: 5000 }],
      ],
      [["s", "w"]],
    );
    const timedOut = await run(slow, { limits: { nodeTimeoutMs: 50 } });
    expect(timedOut.error).toMatch(/Node 'Wait' \(w\) timed out after 0 s|timed out/);
    const tooLong = await run(slow, { limits: { maxDurationMs: 50 } });
    expect(tooLong.error).toMatch(/exceeded its limit/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("The run was stopped")), 30);
    const stopped = await run(slow, { signal: controller.signal });
    expect(stopped.status).toBe("stopped");
  });

  it("does not count a human-input node's wait against the run's time limit", async () => {
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["ask", { type: "human-input", title: "Ask", inputs: [], user_actions: [] }],
        ["slow", { type: "test-wait", ms: 150 }],
        ["e", { type: "end", outputs: [{ variable: "waited", value_selector: ["slow", "waited"] }] }],
      ],
      [
        ["s", "ask"],
        ["ask", "slow"],
        ["slow", "e"],
      ],
    );
    const answeredLater = (ms: number) => ({
      services: {
        workspaceId: "ws",
        apiKeyId: null,
        mode: definition.mode,
        awaitHumanInput: () =>
          new Promise<{ values: Record<string, unknown> }>((resolve) =>
            setTimeout(() => resolve({ values: {} }), ms),
          ),
      },
      limits: { maxDurationMs: 400 },
    });
    // A person answers after 600 ms, past the run's 400 ms: the run's own work still fits.
    expect(await run(definition, answeredLater(600))).toMatchObject({
      status: "succeeded",
      outputs: { waited: 150 },
    });
    // The time limit still holds for the rest of the run.
    const slow = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        ["ask", { type: "human-input", title: "Ask", inputs: [], user_actions: [] }],
        ["slow", { type: "test-wait", ms: 800 }],
        ["e", { type: "end", outputs: [] }],
      ],
      [
        ["s", "ask"],
        ["ask", "slow"],
        ["slow", "e"],
      ],
    );
    const outcome = await run(slow, answeredLater(100));
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/exceeded its limit of 0 s/);
  });

  it("deeply nested iterations stop at the step limit, naming the node", async () => {
    const level = (id: string, parent?: string) => ({
      type: "iteration",
      iterator_selector: ["s", "items"],
      output_selector: [`${id}-leaf`, "output"],
      start_node_id: `${id}-start`,
      ...(parent ? { isInIteration: true, iteration_id: parent } : {}),
    });
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [{ variable: "items", type: "json" }] }],
        ["i1", level("i1")],
        ["i1-start", { type: "iteration-start", isInIteration: true, iteration_id: "i1" }],
        ["i2", level("i2", "i1")],
        ["i2-start", { type: "iteration-start", isInIteration: true, iteration_id: "i2" }],
        ["i3", level("i3", "i2")],
        ["i3-start", { type: "iteration-start", isInIteration: true, iteration_id: "i3" }],
        [
          "i3-leaf",
          {
            type: "variable-aggregator",
            isInIteration: true,
            iteration_id: "i3",
            variables: [["i3", "item"]],
          },
        ],
      ],
      [
        ["s", "i1"],
        ["i1-start", "i2"],
        ["i2-start", "i3"],
        ["i3-start", "i3-leaf"],
      ],
    );
    const outcome = await run(definition, {
      inputs: { items: Array.from({ length: 10 }, (_value, index) => index) },
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/reached its limit of 500 steps at node/);
  });

  it("a code node that loops forever is stopped by the sandbox with a clear error", async () => {
    const definition = buildDefinition(
      [
        ["s", { type: "start", variables: [] }],
        [
          "c",
          {
            type: "code",
            title: "Forever",
            code_language: "javascript",
            code: "function main() { while (true) {} }",
            variables: [],
            outputs: {},
          },
        ],
      ],
      [["s", "c"]],
    );
    const outcome = await run(definition, { limits: { nodeTimeoutMs: 500 } });
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/^Node 'Forever' \(c\) (failed: .*)?(time|limit)/i);
  });

  // How fast is bench/workflow-big-graph.ts's question (a timed test fails on a loaded machine);
  // this one checks a 500-node graph imports and runs to the right output, every time.
  it("imports and runs a 500-node graph, again and again", async () => {
    const text = dslOf(chainDefinition(500));
    const { definition: imported } = importDsl(text, registry);
    expect(imported.graph.nodes).toHaveLength(502);
    const options = { limits: { maxSteps: 1000 }, system: { workflow_run_id: "r", query: "q" } } as const;
    for (let round = 0; round < 3; round++) {
      const outcome = await run(imported, options);
      expect(outcome.outputs).toEqual({ out: "q" });
    }
  });
});
