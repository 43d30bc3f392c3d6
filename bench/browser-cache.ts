/**
 * Browser automation, cached vs uncached (issue 8): a 10-step recorded task on the local test shop,
 * first run planned by the model (the scripted OpenAI-protocol double behind the gateway, 800 ms
 * per call as a typical hosted model), then the same task replayed from the action cache, in the
 * same process on the same browser build. Then manual vs recorded over HTTP against a real server:
 * the same ten steps sent one by one as API calls (open a session, ten acts, close) vs one request
 * running the recorded task, cold (model-planned) and warm (cached).
 *
 *   npx tsx bench/browser-cache.ts
 */
import path from "node:path";
import { startTestServer } from "../apps/server/test/test-server.ts";
import { createBrowserTasks } from "../packages/browser/src/browser-tasks.ts";
import type { TaskInput } from "../packages/browser/src/task-definition.ts";
import { actStep, startBrowserTestKit } from "../packages/browser/src/testing/browser-test-kit.ts";
import { startScriptedModelServer } from "../packages/browser/src/testing/scripted-model-server.ts";
import { startTestSites } from "../packages/browser/src/testing/test-sites.ts";

const latencyMs = Number(process.env.MODEL_LATENCY_MS ?? 800);
const steps: Array<[string, RegExp]> = [
  ["add the Red Mug to the cart", /button: Add Red Mug to cart/],
  ["add the Blue Pen to the cart", /button: Add Blue Pen to cart/],
  ["add the Green Notebook to the cart", /button: Add Green Notebook to cart/],
  ["add the Yellow Lamp to the cart", /button: Add Yellow Lamp to cart/],
  ["add the Black Bag to the cart", /button: Add Black Bag to cart/],
  ["empty the cart", /button: Empty cart/],
  ["put a Red Mug in the cart", /button: Add Red Mug to cart/],
  ["put a Black Bag in the cart", /button: Add Black Bag to cart/],
  ["put a Blue Pen in the cart", /button: Add Blue Pen to cart/],
  ["check out", /button: Checkout/],
];

const kit = await startBrowserTestKit();
try {
  // Between runs a browser service keeps its Chromium running and spare sessions ready (fresh
  // incognito contexts, Stagehand attached); warm() makes them up front, so both runs below start
  // the same way and the ratio compares the runs, not a browser launch.
  const warmStarted = performance.now();
  await kit.browser.warm();
  const warmMs = performance.now() - warmStarted;
  const tasks = createBrowserTasks({ db: kit.db, browser: kit.browser });
  const input: TaskInput = {
    name: "Shop, 10 steps",
    definition: {
      startUrl: `${kit.sites.origin}/shop`,
      variables: [],
      steps: steps.map(([instruction]) => ({ type: "act" as const, instruction })),
    },
  };
  const task = await tasks.create(kit.workspaceId, input);
  kit.model.latencyMs = latencyMs;
  kit.model.load(steps.map(([, line]) => actStep(line, "click")));

  const timed = async () => {
    const started = performance.now();
    const run = await (await tasks.start(kit.context(), task.id, {})).finished;
    if (run.status !== "succeeded") throw new Error(`run failed: ${run.error}`);
    const report = run.report;
    if (!report) throw new Error("no report");
    const stepsMs = report.steps.reduce((sum, step) => sum + step.durationMs, 0);
    return {
      wallMs: performance.now() - started,
      stepsMs,
      calls: report.usage.calls,
      cached: report.steps.filter((step) => step.cached).length,
    };
  };
  const callsBefore = kit.model.calls.length;
  const first = await timed();
  const firstCalls = kit.model.calls.length - callsBefore;
  const replayCallsBefore = kit.model.calls.length;
  const replay = await timed();
  const replayCalls = kit.model.calls.length - replayCallsBefore;
  // Both spares are used now and new ones are made only between runs: this one starts a fresh
  // context and attaches Stagehand to it in line (what a third back-to-back run costs).
  const replayNoSpare = await timed();

  const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
  console.log(
    `browser-cache: 10-step shop task, model latency ${latencyMs} ms per call (scripted double via the gateway)`,
  );
  line(
    "first run (model-planned), wall",
    `${Math.round(first.wallMs)} ms (steps ${Math.round(first.stepsMs)} ms)`,
  );
  line("  model calls at the double", String(firstCalls));
  line("cached replay, wall", `${Math.round(replay.wallMs)} ms (steps ${Math.round(replay.stepsMs)} ms)`);
  line("  model calls at the double", `${replayCalls} (steps from cache: ${replay.cached}/10)`);
  line("cached replay with no spare left, wall", `${Math.round(replayNoSpare.wallMs)} ms`);
  line("warm-up: Chromium + 2 spare sessions", `${Math.round(warmMs)} ms (once, before both runs)`);
  line("speed-up, whole run (context open to close)", `${(first.wallMs / replay.wallMs).toFixed(1)}x`);
  line("speed-up, the ten steps", `${(first.stepsMs / replay.stepsMs).toFixed(1)}x`);
  line("speed-up, whole run, no spare left", `${(first.wallMs / replayNoSpare.wallMs).toFixed(1)}x`);
  console.log(path.basename(import.meta.filename), "cache part done");
} finally {
  await kit.close();
}

// Manual vs recorded, over HTTP against a real server: the ten steps sent one by one (open a
// session, ten act calls, close) vs one request running the recorded task, each cold (model-planned,
// cache cleared) and warm (cached).
const model = await startScriptedModelServer([], { latencyMs });
const sites = await startTestSites();
const server = await startTestServer(undefined, {
  openaiUpstreams: [{ id: "double", baseURL: model.baseURL }],
});
try {
  const key = await server.key("ai-workflow", "owner");
  const call = async (method: string, route: string, json?: unknown) => {
    const response = await server.call(route, { method, key, ...(json === undefined ? {} : { json }) });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
  };
  await call("PUT", "/api/browser/settings", { allowUrls: ["127.0.0.1"] });
  const created = await call("POST", "/api/browser/tasks", {
    name: "Shop, 10 steps",
    definition: {
      startUrl: `${sites.origin}/shop`,
      model: "double/browser-test",
      steps: steps.map(([instruction]) => ({ type: "act", instruction })),
    },
  });
  const taskId = String(created?.id);
  const script = () => model.load(steps.map(([, line]) => actStep(line, "click")));
  const manual = async () => {
    const started = performance.now();
    const session = await call("POST", "/api/browser/sessions", {
      model: "double/browser-test",
      url: `${sites.origin}/shop`,
    });
    for (const [instruction] of steps)
      await call("POST", `/api/browser/sessions/${session?.id}/act`, { instruction });
    await call("DELETE", `/api/browser/sessions/${session?.id}`);
    return performance.now() - started;
  };
  const recorded = async () => {
    const started = performance.now();
    const run = await call("POST", `/api/browser/tasks/${taskId}/runs`, { wait: true });
    if (run?.status !== "succeeded") throw new Error(`run ${String(run?.status)}: ${String(run?.error)}`);
    return performance.now() - started;
  };
  const cold = async (how: () => Promise<number>) => {
    await call("DELETE", "/api/browser/cache");
    script();
    return how();
  };
  const manualCold = await cold(manual);
  const recordedCold = await cold(recorded);
  const manualWarm = await manual();
  const recordedWarm = await recorded();
  const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
  console.log("manual (12 HTTP calls: open, 10 acts, close) vs recorded task (1 HTTP call), same server:");
  line("manual, cold (model-planned)", `${Math.round(manualCold)} ms`);
  line("recorded, cold (model-planned)", `${Math.round(recordedCold)} ms`);
  line("manual, warm (cached)", `${Math.round(manualWarm)} ms`);
  line("recorded, warm (cached)", `${Math.round(recordedWarm)} ms`);
  line("manual cold / recorded warm", `${(manualCold / recordedWarm).toFixed(1)}x`);
  line("manual warm / recorded warm", `${(manualWarm / recordedWarm).toFixed(2)}x`);
} finally {
  await server.stop();
  await model.close();
  await sites.close();
}
// Something the test server starts keeps the event loop alive after stop(); the figures are out.
process.exit(0);
