import {
  createEventBus,
  createQueue,
  type EventBus,
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Queue,
  type Store,
} from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStoreOptions, testRedisUrl, uniqueName } from "../../../core/src/testing/test-databases.ts";
import { listRuns } from "../store/run-repository.ts";
import { readDifyFixture } from "../testing/dify-fixtures.ts";
import { WorkflowTriggers } from "./triggers.ts";
import { WorkflowService } from "./workflow-service.ts";

/**
 * Triggers on two replicas (each its own BullMQ connection, service and trigger set, sharing
 * PostgreSQL and Redis): a cron tick and an event each start the workflow once, not once per replica.
 */
describe("workflow triggers across replicas (Redis, PostgreSQL)", () => {
  let store: Store;
  let drop: () => Promise<void>;
  let workspace: string;
  const prefix = uniqueName("wftrig");
  const replicas: Array<{
    queue: Queue;
    events: EventBus;
    service: WorkflowService;
    triggers: WorkflowTriggers;
  }> = [];

  beforeAll(async () => {
    const fresh = freshStoreOptions("postgres");
    drop = fresh.drop;
    store = await openStore(fresh.options);
    await ensureDefaultWorkspaces(store.db);
    workspace = (await getWorkspaceBySlug(store.db, "ai-workflow")).id;
    for (let index = 0; index < 2; index++) {
      const queue = await createQueue({ redisUrl: testRedisUrl, prefix, store });
      const events = await createEventBus({ redisUrl: testRedisUrl, prefix });
      const service = new WorkflowService({ db: store.db });
      const triggers = new WorkflowTriggers(store.db, service, queue, events);
      await triggers.start();
      replicas.push({ queue, events, service, triggers });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { triggers, queue, events } of replicas) {
      await triggers.close();
      await queue.close();
      await events.close();
    }
    for (const service of new Set(replicas.map((replica) => replica.service))) await service.close();
    await store?.close();
    await drop?.();
  });

  const runsFrom = async (workflowId: string, kind: string) =>
    (await listRuns(store.db, workspace, workflowId)).filter((run) => run.triggeredFrom === kind);

  it("a cron trigger runs the workflow once per tick, however many replicas serve the queue", {
    timeout: 30_000,
  }, async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const { workflow } = await first.service.importWorkflow(
      workspace,
      readDifyFixture("simple_passthrough_workflow.yml"),
    );
    const startedAt = Date.now();
    const { trigger } = await first.triggers.create(workspace, workflow.id, {
      kind: "cron",
      cron: "* * * * * *",
      inputs: { query: "tick" },
    });
    await new Promise((resolve) => setTimeout(resolve, 4_200));
    await second.triggers.remove(workspace, trigger.id);
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const runs = await runsFrom(workflow.id, "cron");
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // One run per second boundary passed (plus one for a tick enqueued as it was removed), not two.
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 1);
    expect(runs.every((run) => run.status === "succeeded")).toBe(true);
  });

  it("an event trigger runs the workflow once per event, though every replica hears it", {
    timeout: 30_000,
  }, async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const { workflow } = await first.service.importWorkflow(
      workspace,
      readDifyFixture("simple_passthrough_workflow.yml"),
    );
    await first.triggers.create(workspace, workflow.id, { kind: "event", topic: "orders.created" });
    // A replica learns of event triggers made elsewhere when it starts: start one more.
    const queue = await createQueue({ redisUrl: testRedisUrl, prefix, store });
    const events = await createEventBus({ redisUrl: testRedisUrl, prefix });
    const triggers = new WorkflowTriggers(store.db, second.service, queue, events);
    await triggers.start();
    replicas.push({ queue, events, service: second.service, triggers });
    for (const order of ["o-1", "o-2", "o-3"]) await first.events.publish("orders.created", { query: order });
    const until = Date.now() + 15_000;
    while ((await runsFrom(workflow.id, "event")).length < 3 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const runs = await runsFrom(workflow.id, "event");
    expect(runs.map((run) => run.outputs?.query).sort()).toEqual(["o-1", "o-2", "o-3"]);
  });
});
