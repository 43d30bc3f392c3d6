import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { updateBrowserSettings } from "./browser-settings.ts";
import { chromiumFlags } from "./chromium-launch.ts";
import {
  actStep,
  type BrowserTestKit,
  extractSteps,
  startBrowserTestKit,
} from "./testing/browser-test-kit.ts";

let kit: BrowserTestKit;
let sessionId: string;

beforeAll(async () => {
  kit = await startBrowserTestKit({ maxSessions: 2 });
  const session = await kit.browser.openSession(kit.context(), {
    viewport: { width: 900, height: 700 },
    cookies: [{ name: "tenant", value: "acme", url: kit.sites.origin }],
  });
  sessionId = session.id;
}, 30_000);
afterAll(async () => kit?.close());
beforeEach(() => {
  kit.model.calls.length = 0;
});

const tableSchema = {
  type: "object",
  properties: {
    cities: {
      type: "array",
      items: {
        type: "object",
        properties: { city: { type: "string" }, population: { type: "number" } },
        required: ["city", "population"],
      },
    },
  },
  required: ["cities"],
};

describe("browser sessions", () => {
  it("opens with its viewport and imported cookies", async () => {
    const page = kit.browser.pool.get(kit.workspaceId, sessionId).page();
    await kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/cookies`);
    expect(await page.evaluate("document.getElementById('cookie').textContent")).toBe("tenant=acme");
    expect(await page.evaluate("window.innerWidth")).toBe(900);
  });

  it("extracts a page of the table into the caller's JSON Schema, and pages on with act", async () => {
    kit.model.load([
      ...extractSteps({
        cities: [
          { city: "Lisbon", population: 111000 },
          { city: "Oslo", population: 222000 },
        ],
      }),
    ]);
    const first = await kit.browser.extract(kit.context(), sessionId, {
      instruction: "every city and its population",
      schema: tableSchema,
      url: `${kit.sites.origin}/table`,
    });
    expect(first.result).toEqual({
      cities: [
        { city: "Lisbon", population: 111000 },
        { city: "Oslo", population: 222000 },
      ],
    });
    expect(first.usage.calls).toBe(2);
    // The page's text reached the model through the gateway.
    expect(JSON.stringify(kit.model.calls[0])).toContain("Lisbon");
    expect(JSON.stringify(kit.model.calls[0])).toContain("json_schema");

    kit.model.load([actStep(/link: Next page/, "click")]);
    await kit.browser.act(kit.context(), sessionId, { instruction: "go to the next page" });
    await vi.waitFor(
      () => expect(kit.browser.getSession(kit.workspaceId, sessionId).url).toContain("page=2"),
      10_000,
    );
  });

  it("answers a schema mismatch in extraction with a clear error", async () => {
    kit.model.load(extractSteps({ cities: [{ city: "Lisbon", population: "lots" }] }));
    const failure = kit.browser.extract(kit.context(), sessionId, {
      instruction: "cities",
      schema: tableSchema,
    });
    await expect(failure).rejects.toMatchObject({ code: "extraction_mismatch", status: 422 });
    await expect(
      kit.browser.extract(kit.context(), sessionId, { instruction: "cities", schema: { type: "string" } }),
    ).rejects.toMatchObject({ code: "invalid_schema", status: 400 });
  });

  it("observes the shop's actionable elements", async () => {
    kit.model.load([
      {
        kind: "observe",
        reply: (call) => ({
          json: {
            elements: [
              {
                elementId: call.elementId(/button: Add Red Mug to cart/),
                description: "Add Red Mug",
                method: "click",
                arguments: [],
              },
              {
                elementId: call.elementId(/button: Checkout/),
                description: "Checkout",
                method: "click",
                arguments: [],
              },
            ],
          },
        }),
      },
    ]);
    const observed = await kit.browser.observe(kit.context(), sessionId, {
      instruction: "find the buttons that add to the cart or check out",
      url: `${kit.sites.origin}/shop`,
    });
    expect(observed.result.map((action) => action.description)).toEqual(["Add Red Mug", "Checkout"]);
    expect(observed.result[0]?.selector).toMatch(/^xpath=/);
  });

  it("runs the agent through the gateway (tool calls), then replays its steps with zero model calls", async () => {
    const goal = "put the Blue Pen in the cart";
    kit.model.load([
      {
        kind: "agent",
        reply: { toolCalls: [{ name: "act", arguments: { action: "click Add Blue Pen to cart" } }] },
      },
      actStep(/button: Add Blue Pen to cart/, "click"),
      { kind: "agent", reply: { text: "The Blue Pen is in the cart." } },
      {
        kind: "agent",
        reply: { toolCalls: [{ name: "done", arguments: { reasoning: "added it", taskComplete: true } }] },
      },
    ]);
    const run = await kit.browser.agent(kit.context(), sessionId, {
      goal,
      maxSteps: 5,
      url: `${kit.sites.origin}/shop`,
    });
    expect(run.result).toMatchObject({ success: true, completed: true, cached: false });
    expect(run.result.steps).toHaveLength(1);
    expect(kit.model.remaining()).toBe(0);
    const page = kit.browser.pool.get(kit.workspaceId, sessionId).page();
    expect(await page.evaluate("document.getElementById('cart-count').textContent")).toBe("Cart: 1 items");

    kit.model.calls.length = 0;
    const replay = await kit.browser.agent(kit.context(), sessionId, {
      goal,
      maxSteps: 5,
      url: `${kit.sites.origin}/shop`,
    });
    expect(replay.result).toMatchObject({ success: true, cached: true });
    expect(replay.usage.calls).toBe(0);
    expect(kit.model.calls).toHaveLength(0);
    expect(await page.evaluate("document.getElementById('cart-count').textContent")).toBe("Cart: 1 items");
  });

  it("heals a cached agent run whose element moved: the agent plans again and the cache is replaced", async () => {
    const goal = "confirm the order";
    const agentScript = () => [
      {
        kind: "agent" as const,
        reply: { toolCalls: [{ name: "act", arguments: { action: "click Confirm order" } }] },
      },
      actStep(/button: Confirm order/, "click"),
      { kind: "agent" as const, reply: { text: "Confirmed." } },
      {
        kind: "agent" as const,
        reply: { toolCalls: [{ name: "done", arguments: { reasoning: "ok", taskComplete: true } }] },
      },
    ];
    kit.model.load(agentScript());
    const first = await kit.browser.agent(kit.context(), sessionId, {
      goal,
      url: `${kit.sites.origin}/moving`,
    });
    expect(first.result).toMatchObject({ success: true, cached: false });
    kit.model.load(agentScript());
    const moved = await kit.browser.agent(kit.context(), sessionId, {
      goal,
      url: `${kit.sites.origin}/moving?v=2`,
    });
    expect(moved.result).toMatchObject({ success: true, cached: false, healed: true });
    expect(kit.model.remaining()).toBe(0);
    kit.model.calls.length = 0;
    const again = await kit.browser.agent(kit.context(), sessionId, {
      goal,
      url: `${kit.sites.origin}/moving?v=2`,
    });
    expect(again.result).toMatchObject({ success: true, cached: true });
    expect(kit.model.calls).toHaveLength(0);
    const page = kit.browser.pool.get(kit.workspaceId, sessionId).page();
    expect(await page.evaluate("document.getElementById('out').textContent")).toBe("Confirmed");
  });

  it("refuses an agent run over the workspace's step limit", async () => {
    await expect(
      kit.browser.agent(kit.context(), sessionId, { goal: "anything", maxSteps: 1000 }),
    ).rejects.toMatchObject({ code: "max_steps", status: 422 });
  });

  it("saves downloads into the session's folder", async () => {
    kit.model.load([actStep(/link: Download report/, "click")]);
    await kit.browser.act(kit.context(), sessionId, {
      instruction: "download the report",
      url: `${kit.sites.origin}/download`,
    });
    await vi.waitFor(
      () => expect(kit.browser.getSession(kit.workspaceId, sessionId).downloads).toEqual(["report.csv"]),
      {
        timeout: 10_000,
      },
    );
  });
});

describe("remote browsers", () => {
  it("attaches to a running Chrome over CDP and leaves it running when the session closes", async () => {
    const profile = mkdtempSync(path.join(os.tmpdir(), "nexus-remote-chrome-"));
    const chrome = spawn(
      "/usr/bin/chromium",
      [...chromiumFlags, "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank"],
      // Its own process group, so the test can end Chromium's helpers with it.
      { stdio: "ignore", detached: true },
    );
    try {
      const portFile = path.join(profile, "DevToolsActivePort");
      // The file can be there before both its lines are written: wait for the whole of it.
      const [port, wsPath] = await vi.waitFor(
        () => {
          const lines = existsSync(portFile) ? readFileSync(portFile, "utf8").trim().split("\n") : [];
          expect(lines).toHaveLength(2);
          return lines;
        },
        { timeout: 10_000 },
      );
      const remote = await kit.browser.openSession(kit.context(), {
        cdpUrl: `ws://127.0.0.1:${port}${wsPath}`,
        url: `${kit.sites.origin}/table`,
      });
      expect(remote.url).toBe(`${kit.sites.origin}/table`);
      await kit.browser.closeSession(kit.workspaceId, remote.id);
      expect(chrome.exitCode).toBeNull();
      const version = await fetch(`http://127.0.0.1:${port}/json/version`);
      expect(version.status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => chrome.once("exit", resolve));
      process.kill(-(chrome.pid as number), "SIGKILL");
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  });
});

describe("bad input", () => {
  it("refuses URLs outside the policy, unreachable hosts and pages that never load", async () => {
    await expect(kit.browser.goto(kit.context(), sessionId, "file:///etc/passwd")).rejects.toMatchObject({
      code: "url_blocked",
    });
    await updateBrowserSettings(kit.db, kit.workspaceId, {
      allowUrls: ["127.0.0.1", "no-such-host.invalid"],
    });
    await expect(
      kit.browser.goto(kit.context(), sessionId, "http://no-such-host.invalid/"),
    ).rejects.toMatchObject({
      code: "navigation_failed",
    });
    await expect(
      kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/never`),
    ).rejects.toMatchObject({
      code: "timeout",
    });
    // A closed port on an allowed host: the browser cannot connect.
    await expect(kit.browser.goto(kit.context(), sessionId, "http://127.0.0.1:9/")).rejects.toMatchObject({
      code: "navigation_failed",
    });
  });

  it("stops an operation at the workspace's time limit, aborting its model call", async () => {
    await updateBrowserSettings(kit.db, kit.workspaceId, { maxDurationMs: 1_000 });
    try {
      kit.model.load([{ ...actStep(/button: Checkout/, "click"), delayMs: 3_000 }]);
      const started = performance.now();
      const slow = kit.browser.act(kit.context(), sessionId, {
        instruction: "click Checkout",
        url: `${kit.sites.origin}/shop`,
      });
      await expect(slow).rejects.toMatchObject({ code: "timeout", status: 422 });
      expect(performance.now() - started).toBeLessThan(2_500);
    } finally {
      await updateBrowserSettings(kit.db, kit.workspaceId, { maxDurationMs: 120_000 });
    }
    // The session is still usable afterwards.
    const page = await kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/table`);
    expect(page.url).toContain("/table");
  });

  it("keeps workspaces apart: another workspace cannot see or use a session, and its policy is its own", async () => {
    const other = kit.context(kit.otherWorkspaceId);
    expect(() => kit.browser.getSession(kit.otherWorkspaceId, sessionId)).toThrow(/not found/);
    await expect(kit.browser.act(other, sessionId, { instruction: "click" })).rejects.toMatchObject({
      status: 404,
    });
    expect(kit.browser.listSessions(kit.otherWorkspaceId)).toEqual([]);
    // 127.0.0.1 is allow-listed only in the first workspace.
    await expect(kit.browser.openSession(other, { url: `${kit.sites.origin}/shop` })).rejects.toMatchObject({
      code: "url_blocked",
    });
    expect(await kit.browser.cache.list(kit.otherWorkspaceId)).toEqual([]);
  });

  it("enforces the pool's size limit and closes sessions idle past the timeout", async () => {
    const second = await kit.browser.openSession(kit.context());
    await expect(kit.browser.openSession(kit.context())).rejects.toMatchObject({
      code: "session_limit",
      status: 429,
    });
    await kit.browser.pool.sweep(Date.now() + 10 * 60_000);
    expect(kit.browser.listSessions(kit.workspaceId)).toEqual([]);
    expect(() => kit.browser.getSession(kit.workspaceId, second.id)).toThrow(/not found/);
    sessionId = (await kit.browser.openSession(kit.context())).id;
  });
});

describe("no browser", () => {
  it("answers 503 when Chromium cannot be started, leaving nothing behind", async () => {
    const { createBrowserService } = await import("./browser-service.ts");
    const broken = createBrowserService({
      db: kit.db,
      gateway: kit.gateway,
      dataDir: os.tmpdir(),
      defaultModel: "double/browser-test",
      executablePath: "/nonexistent/chromium",
    });
    try {
      await expect(broken.openSession(kit.context())).rejects.toMatchObject({
        code: "browser_unavailable",
        status: 503,
      });
      expect(broken.pool.size).toBe(0);
    } finally {
      await broken.close();
    }
  });
});
