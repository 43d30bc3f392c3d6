import { createHash } from "node:crypto";
import { createLocalQueue, type Queue } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BrowserTasks, browserTaskQueue, createBrowserTasks } from "./browser-tasks.ts";
import type { TaskInput } from "./task-definition.ts";
import {
  actStep,
  type BrowserTestKit,
  extractSteps,
  startBrowserTestKit,
} from "./testing/browser-test-kit.ts";

let kit: BrowserTestKit;
let queue: Queue;
let tasks: BrowserTasks;

beforeAll(async () => {
  kit = await startBrowserTestKit();
  queue = createLocalQueue({ store: kit.store, pollIntervalMs: 50 });
  tasks = createBrowserTasks({ db: kit.db, browser: kit.browser, queue });
}, 30_000);
afterAll(async () => {
  await queue?.close();
  await kit?.close();
});

const statusSchema = {
  type: "object",
  properties: { status: { type: "string" } },
  required: ["status"],
};

const shopTask = (): TaskInput => ({
  name: "Order two items",
  definition: {
    startUrl: `${kit.sites.origin}/shop`,
    variables: [],
    steps: [
      { type: "act", instruction: "add the Red Mug to the cart" },
      { type: "act", instruction: "add the Blue Pen to the cart" },
      { type: "act", instruction: "check out" },
      { type: "extract", instruction: "the order status line" },
    ],
    extractionSchema: statusSchema,
  },
});

const shopScript = () => [
  actStep(/button: Add Red Mug to cart/, "click"),
  actStep(/button: Add Blue Pen to cart/, "click"),
  actStep(/button: Checkout/, "click"),
  ...extractSteps({ status: "Order placed: Red Mug, Blue Pen" }),
];

describe("recorded tasks", () => {
  it("runs a task with per-step timings, tokens and screenshots; the second run replays its acts from the cache", async () => {
    const task = await tasks.create(kit.workspaceId, shopTask());
    kit.model.load(shopScript());
    const { finished } = await tasks.start(kit.context(), task.id, {});
    const run = await finished;
    expect(run.status).toBe("succeeded");
    const report = run.report!;
    expect(report.steps.map((step) => step.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    expect(report.output).toEqual({ status: "Order placed: Red Mug, Blue Pen" });
    expect(report.usage.calls).toBe(5);
    expect(report.usage.promptTokens).toBeGreaterThan(0);
    for (const step of report.steps) {
      expect(step.durationMs).toBeGreaterThan(0);
      expect(
        (await tasks.store.screenshot(kit.workspaceId, run.id, step.screenshot!)).length,
      ).toBeGreaterThan(0);
    }

    kit.model.calls.length = 0;
    kit.model.load(extractSteps({ status: "Order placed: Red Mug, Blue Pen" }));
    const second = await (await tasks.start(kit.context(), task.id, {})).finished;
    expect(second.status).toBe("succeeded");
    expect(second.report!.steps.slice(0, 3).every((step) => step.cached && step.usage.calls === 0)).toBe(
      true,
    );
    expect(kit.model.calls).toHaveLength(2); // only the extraction
    const runs = await tasks.store.runs(kit.workspaceId, task.id);
    expect(runs.map((item) => item.id)).toEqual([second.id, run.id]);
  });

  it("says which step failed and why, with its screenshot, and skips the rest", async () => {
    const input = shopTask();
    input.definition.steps[1] = { type: "act", instruction: "add the Purple Unicorn to the cart" };
    const task = await tasks.create(kit.workspaceId, input);
    // Step 1 replays from the cache the first test filled: the model sees only step 2.
    kit.model.load([{ kind: "act", reply: { json: { action: null, twoStep: false } } }]);
    const run = await (await tasks.start(kit.context(), task.id, {})).finished;
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^step 2 \(act\): .*Purple Unicorn/);
    const failed = run.report!.steps[1]!;
    expect(failed).toMatchObject({ status: "failed", error: { code: "element_not_found" } });
    await expect(
      tasks.store.screenshot(kit.otherWorkspaceId, run.id, failed.screenshot!),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(run.report!.steps.slice(2).map((step) => step.status)).toEqual(["skipped", "skipped"]);
    // The step that worked is recorded at half size, the one that failed at full size (1280 wide).
    const widthOf = async (name: string) =>
      (await tasks.store.screenshot(kit.workspaceId, run.id, name)).readUInt32BE(16);
    expect(await widthOf("step-1.png")).toBe(640);
    expect(await widthOf("step-2.png")).toBe(1280);
  });

  it("versions a task on save; runs name their version; variables are required and never reported", async () => {
    const login: TaskInput = {
      name: "Log in",
      definition: {
        startUrl: `${kit.sites.origin}/login`,
        variables: ["password"],
        steps: [{ type: "act", instruction: "type %password% into the password field" }],
      },
    };
    const task = await tasks.create(kit.workspaceId, login);
    const updated = await tasks.update(kit.workspaceId, task.id, { ...login, name: "Log in (v2)" });
    expect(updated.version).toBe(2);
    expect((await tasks.store.versions(kit.workspaceId, task.id)).map((item) => item.version)).toEqual([
      2, 1,
    ]);
    await expect(tasks.start(kit.context(), task.id, {})).rejects.toMatchObject({ status: 400 });
    kit.model.load([{ kind: "act", reply: { json: { action: null, twoStep: false } } }]);
    const run = await (
      await tasks.start(kit.context(), task.id, { variables: { password: "hunter2-secret" } })
    ).finished;
    expect(run.version).toBe(2);
    expect(JSON.stringify(run)).not.toContain("hunter2-secret");
    await expect(tasks.store.get(kit.otherWorkspaceId, task.id)).rejects.toMatchObject({ status: 404 });
    await expect(tasks.create(kit.workspaceId, { ...login, schedule: "*/5 * * * *" })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("runs scheduled tasks through core.queue", async () => {
    const task = await tasks.create(kit.workspaceId, { ...shopTask(), schedule: "0 3 * * *" });
    const schedules = await kit.db.selectFrom("job_schedules").selectAll().execute();
    expect(schedules.some((row) => JSON.stringify(row).includes(task.id))).toBe(true);
    await expect(
      tasks.create(kit.workspaceId, { ...shopTask(), schedule: "not a cron" }),
    ).rejects.toMatchObject({
      status: 400,
    });
    // What the schedule enqueues when it fires:
    kit.model.load(extractSteps({ status: "Order placed: Red Mug, Blue Pen" }));
    await queue.enqueue(browserTaskQueue, `task:${task.id}`, {
      workspaceId: kit.workspaceId,
      taskId: task.id,
    });
    await vi.waitFor(
      async () => expect((await tasks.store.runs(kit.workspaceId, task.id))[0]?.status).toBe("succeeded"),
      { timeout: 20_000, interval: 200 },
    );
  });

  it("runs a tick handed out again only once its first try stops beating, not beside it", async () => {
    const task = await tasks.create(kit.workspaceId, shopTask());
    // Another process's try of this tick, still running: its run exists, started, beating.
    const jobId = `tick-${task.id}`;
    const runId = `brun_tick_${createHash("sha256").update(jobId).digest("hex").slice(0, 24)}`;
    await tasks.store.createRun(kit.workspaceId, task, { id: runId });
    await tasks.store.startRun(runId);
    const shopVisits = () => kit.sites.requests.filter((path) => path === "/shop").length;
    const visitsBefore = shopVisits();
    const callsBefore = kit.model.calls.length;
    // The acts replay from the cache the first test filled; only the extraction asks the model.
    kit.model.load(extractSteps({ status: "Order placed: Red Mug, Blue Pen" }));
    // The queue hands the tick's job to this process (as BullMQ does when a busy worker's lock lapses).
    await queue.enqueue(
      browserTaskQueue,
      `task:${task.id}`,
      { workspaceId: kit.workspaceId, taskId: task.id },
      { jobId },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(shopVisits()).toBe(visitsBefore);
    expect(kit.model.calls.length).toBe(callsBefore);
    expect((await tasks.store.findRun(runId))?.finishedAt).toBeNull();

    // The other process goes quiet (it died): this one runs the tick, once.
    await kit.db
      .updateTable("browser_task_runs")
      .set({ heartbeat_at: new Date(Date.now() - 60_000).toISOString() })
      .where("id", "=", runId)
      .execute();
    await vi.waitFor(async () => expect((await tasks.store.findRun(runId))?.finishedAt).not.toBeNull(), {
      timeout: 20_000,
      interval: 200,
    });
    const run = await tasks.store.findRun(runId);
    expect(run?.status, run?.error ?? "").toBe("succeeded");
    expect(shopVisits()).toBe(visitsBefore + 1);
  });

  it("queues a run on a process that serves none; the process serving the queue runs it", async () => {
    const task = await tasks.create(kit.workspaceId, shopTask());
    // A front end (NEXUS_SERVE_RUNS=false) over the same store and queue; `tasks` serves the queue.
    const front = createBrowserTasks({ db: kit.db, browser: kit.browser, queue, serveRuns: false });
    kit.model.load(extractSteps({ status: "Order placed: Red Mug, Blue Pen" }));
    const { run, finished } = await front.start(kit.context(), task.id, {});
    expect(run.status).toBe("queued");
    const done = await finished;
    expect(done.status, done.error ?? "").toBe("succeeded");
    expect(done.report?.output).toEqual({ status: "Order placed: Red Mug, Blue Pen" });
    const shot = await front.store.screenshot(kit.workspaceId, run.id, done.report!.steps[3]!.screenshot!);
    expect(shot.readUInt32BE(12)).toBe(0x49484452); // a PNG's IHDR chunk
  });
});
