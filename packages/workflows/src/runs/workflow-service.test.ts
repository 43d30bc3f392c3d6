import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore, type Store } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import { getRunWithNodes, listRuns } from "../store/run-repository.ts";
import { getWorkflow, listWorkflows, listWorkflowVersions } from "../store/workflow-repository.ts";
import { readDifyFixture } from "../testing/dify-fixtures.ts";
import { approvalDefinition, buildDefinition, dslOf } from "../testing/graph-builder.ts";
import { WorkflowService } from "./workflow-service.ts";

/** The service over each store: the same behaviour on SQLite and PostgreSQL. */
describe.each(["sqlite", "postgres"] as const)("workflow service on %s", (kind) => {
  let store: Store;
  let drop: () => Promise<void>;
  let service: WorkflowService;
  let workspace: string;
  let otherWorkspace: string;

  beforeAll(async () => {
    const fresh = freshStoreOptions(kind);
    drop = fresh.drop;
    store = await openStore(fresh.options);
    await ensureDefaultWorkspaces(store.db);
    workspace = (await getWorkspaceBySlug(store.db, "nexus-os")).id;
    otherWorkspace = (await getWorkspaceBySlug(store.db, "azi-learns-ai")).id;
    service = new WorkflowService({ db: store.db });
  });
  afterAll(async () => {
    await service?.close();
    await store?.close();
    await drop?.();
  });

  it("imports, runs, and stores the run with each node's result", async () => {
    const { workflow } = await service.importWorkflow(
      workspace,
      readDifyFixture("conditional_hello_branching_workflow.yml"),
    );
    const live = await service.start(workspace, workflow.id, {
      inputs: { query: "hello there" },
      triggeredFrom: "test",
      apiKeyId: null,
    });
    const outcome = await live.done;
    expect(outcome).toMatchObject({ status: "succeeded", outputs: { true: "hello there" } });
    const run = await getRunWithNodes(store.db, workspace, live.identity.runId);
    expect(run).toMatchObject({
      status: "succeeded",
      outputs: { true: "hello there" },
      totalSteps: 3,
      workflowVersion: 1,
    });
    expect(run.nodes.map((node) => [node.nodeType, node.status])).toEqual([
      ["start", "succeeded"],
      ["if-else", "succeeded"],
      ["end", "succeeded"],
    ]);
    expect(run.nodes[1]?.outputs).toEqual({ result: true, selected_case_id: "true" });
    expect(live.events.map((event) => event.event)).toEqual([
      "workflow_started",
      "node_started",
      "node_finished",
      "node_started",
      "node_finished",
      "node_started",
      "node_finished",
      "workflow_finished",
    ]);
    expect((await listRuns(store.db, workspace, workflow.id)).map((item) => item.id)).toEqual([
      live.identity.runId,
    ]);
  });

  it("keeps workspaces apart", async () => {
    const { workflow } = await service.importWorkflow(
      workspace,
      readDifyFixture("simple_passthrough_workflow.yml"),
    );
    expect((await listWorkflows(store.db, otherWorkspace)).map((item) => item.id)).not.toContain(workflow.id);
    await expect(getWorkflow(store.db, otherWorkspace, workflow.id)).rejects.toThrow(/not found/);
    await expect(
      service.start(otherWorkspace, workflow.id, {
        inputs: { query: "x" },
        triggeredFrom: "test",
        apiKeyId: null,
      }),
    ).rejects.toThrow(/not found/);
    const live = await service.start(workspace, workflow.id, {
      inputs: { query: "x" },
      triggeredFrom: "test",
      apiKeyId: null,
    });
    await live.done;
    await expect(getRunWithNodes(store.db, otherWorkspace, live.identity.runId)).rejects.toThrow(/not found/);
    expect(service.stop(otherWorkspace, live.identity.runId)).toBe(false);
  });

  it("refuses bad inputs before storing a run", async () => {
    const { workflow } = await service.importWorkflow(
      workspace,
      readDifyFixture("conditional_parallel_code_execution_workflow.yml"),
    );
    await expect(
      service.start(workspace, workflow.id, {
        inputs: { switch: "not a number" },
        triggeredFrom: "test",
        apiKeyId: null,
      }),
    ).rejects.toThrow("Input 'switch' must be a number");
    expect(await listRuns(store.db, workspace, workflow.id)).toEqual([]);
  });

  it("records a failing node's error, naming it, and the run as failed", async () => {
    const { workflow, report } = await service.importWorkflow(
      workspace,
      readDifyFixture("knowledge_retrieval_v2_workflow.yml"),
    );
    expect(report.unsupportedNodes).toHaveLength(1);
    const live = await service.start(workspace, workflow.id, {
      inputs: { query: "q" },
      triggeredFrom: "test",
      apiKeyId: null,
    });
    const outcome = await live.done;
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(
      /^Node '.+' \(.+\) failed: Nexus cannot run this node: node type 'knowledge-retrieval-v2'/,
    );
    const run = await getRunWithNodes(store.db, workspace, live.identity.runId);
    expect(run.status).toBe("failed");
    expect(run.nodes.at(-1)).toMatchObject({ nodeType: "knowledge-retrieval-v2", status: "failed" });
  });

  it("saves edited graphs as versions, refuses bad ones, and rolls back", async () => {
    const { workflow } = await service.importWorkflow(
      workspace,
      readDifyFixture("simple_passthrough_workflow.yml"),
    );
    const current = await getWorkflow(store.db, workspace, workflow.id);
    const graph = structuredClone(current.definition.graph);
    graph.nodes.push({
      id: "extra",
      type: "custom",
      data: { type: "template-transform", title: "Extra", template: "x", variables: [] },
    });
    const saved = await service.saveGraph(workspace, workflow.id, graph);
    expect(saved.summary.version).toBe(2);
    const dangling = structuredClone(graph);
    dangling.edges.push({
      id: "bad",
      source: "extra",
      target: "ghost",
      sourceHandle: "source",
      targetHandle: "target",
    });
    await expect(service.saveGraph(workspace, workflow.id, dangling)).rejects.toThrow(
      "Edge 'bad' connects to node 'ghost'",
    );
    const unknown = structuredClone(graph);
    unknown.nodes.push({ id: "odd", data: { type: "teleport", title: "Odd" } });
    await expect(service.saveGraph(workspace, workflow.id, unknown)).rejects.toThrow(
      "Node 'Odd' (odd) has unknown type 'teleport'",
    );
    const restored = await service.rollback(workspace, workflow.id, 1);
    expect(restored.summary.version).toBe(3);
    expect(restored.definition.graph.nodes.map((node) => node.id)).not.toContain("extra");
    expect(
      (await listWorkflowVersions(store.db, workspace, workflow.id)).map((item) => item.version),
    ).toEqual([3, 2, 1]);
  });

  it("keeps conversation variables and memory across turns of a chat workflow", async () => {
    const { workflow } = await service.importWorkflow(
      workspace,
      readDifyFixture("test_streaming_conversation_variables.yml"),
    );
    const first = await service.start(workspace, workflow.id, {
      inputs: {},
      query: "first",
      triggeredFrom: "test",
      apiKeyId: null,
    });
    expect((await first.done).answer).toBe("first");
    const conversationId = first.identity.conversationId as string;
    expect(first.events.filter((event) => event.event === "message").map((event) => event.answer)).toEqual([
      "first",
    ]);
    expect(first.events.at(-1)?.event).toBe("message_end");
    const second = await service.start(workspace, workflow.id, {
      inputs: {},
      query: "second",
      conversationId,
      triggeredFrom: "test",
      apiKeyId: null,
    });
    expect((await second.done).answer).toBe("second");
    await expect(
      service.start(otherWorkspace, workflow.id, {
        inputs: {},
        query: "x",
        conversationId,
        triggeredFrom: "test",
        apiKeyId: null,
      }),
    ).rejects.toThrow(/not found/);
  });

  it("pauses at a human-input node until answered, then follows the chosen action", async () => {
    const definition = approvalDefinition();
    const { workflow } = await service.importWorkflow(workspace, dslOf(definition));
    const live = await service.start(workspace, workflow.id, {
      inputs: {},
      triggeredFrom: "test",
      apiKeyId: null,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const asked = live.events.find((event) => event.event === "human_input_required");
    expect(asked?.data).toMatchObject({
      node_id: "ask",
      form_content: "Approve the draft?",
      actions: [{ id: "approve" }, { id: "reject" }],
    });
    expect((await getRunWithNodes(store.db, workspace, live.identity.runId)).status).toBe("paused");
    expect(
      service.answerHumanInput(otherWorkspace, live.identity.runId, "ask", {
        action: "approve",
        values: { comment: "x" },
      }),
    ).toBe(false);
    // An answer the form cannot take is refused with the reason, and the node keeps waiting.
    expect(() =>
      service.answerHumanInput(workspace, live.identity.runId, "ask", { action: "reject", values: {} }),
    ).toThrow("The answer has no 'comment', which the form requires");
    expect(() =>
      service.answerHumanInput(workspace, live.identity.runId, "ask", {
        action: "maybe",
        values: { comment: "x" },
      }),
    ).toThrow("'maybe' is not one of this form's actions (approve, reject)");
    expect((await getRunWithNodes(store.db, workspace, live.identity.runId)).status).toBe("paused");
    expect(
      service.answerHumanInput(workspace, live.identity.runId, "ask", {
        action: "reject",
        values: { comment: "needs work" },
      }),
    ).toBe(true);
    expect(await live.done).toMatchObject({ status: "succeeded", outputs: { rejected: "needs work" } });
    expect(
      service.answerHumanInput(workspace, live.identity.runId, "ask", { action: "approve", values: {} }),
    ).toBe(false);
  });
});
