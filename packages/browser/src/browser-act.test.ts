import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createBrowserStepRunner } from "./browser-step-runner.ts";
import {
  actStep,
  type BrowserTestKit,
  extractSteps,
  startBrowserTestKit,
} from "./testing/browser-test-kit.ts";
import { loginPassword } from "./testing/test-sites.ts";

let kit: BrowserTestKit;
let sessionId: string;
/** Every URL this process fetched (Stagehand's own calls included). */
const fetched: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  globalThis.fetch = (input, init) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  kit = await startBrowserTestKit();
  sessionId = (await kit.browser.openSession(kit.context())).id;
}, 30_000);
afterAll(async () => {
  globalThis.fetch = realFetch;
  await kit?.close();
});
beforeEach(() => {
  kit.model.calls.length = 0;
});

describe("act through the gateway, with the action cache", () => {
  it("logs in with a secret variable the model never sees, then replays with zero model calls", async () => {
    const login = async () => {
      const context = kit.context();
      const url = `${kit.sites.origin}/login`;
      await kit.browser.act(context, sessionId, {
        instruction: "type %user% into the username field",
        variables: { user: "ada-lovelace-1815" },
        url,
      });
      await kit.browser.act(context, sessionId, {
        instruction: "type %password% into the password field",
        variables: { password: loginPassword },
      });
      return kit.browser.act(context, sessionId, { instruction: "click the Log in button" });
    };
    kit.model.load([
      actStep(/textbox: Username/, "fill", ["%user%"]),
      actStep(/textbox: Password/, "fill", ["%password%"]),
      actStep(/button: Log in/, "click"),
    ]);
    const first = await login();
    expect(first.result.cached).toBe(false);
    expect(kit.model.calls).toHaveLength(3);
    await vi.waitFor(
      () =>
        expect(kit.sites.logins.at(-1)).toEqual({ username: "ada-lovelace-1815", password: loginPassword }),
      10_000,
    );
    // The secret reached the site but never the model, and never a log line.
    expect(JSON.stringify(kit.model.calls)).not.toContain(loginPassword);
    expect(JSON.stringify(kit.model.calls)).toContain("%password%");
    // The username typed into a text field shows in later page snapshots: scrubbed from those too.
    expect(JSON.stringify(kit.model.calls)).not.toContain("ada-lovelace-1815");
    expect(kit.logs.join("\n")).not.toContain(loginPassword);
    expect(first.usage.calls).toBe(1);
    expect(first.usage.promptTokens).toBeGreaterThan(0);

    kit.model.calls.length = 0;
    const second = await login();
    expect(second.result.cached).toBe(true);
    expect(second.usage.calls).toBe(0);
    expect(kit.model.calls).toHaveLength(0);
    await vi.waitFor(() => expect(kit.sites.logins).toHaveLength(2), 10_000);
    expect(kit.sites.logins.at(-1)?.password).toBe(loginPassword);
    const rows = await kit.browser.cache.list(kit.workspaceId);
    expect(rows.map((row) => row.actions).join()).not.toContain(loginPassword);
  });

  it("heals a cached action whose element moved: replay fails, the model re-plans, the cache is updated", async () => {
    const instruction = "click the Confirm order button";
    kit.model.load([actStep(/button: Confirm order/, "click")]);
    const first = await kit.browser.act(kit.context(), sessionId, {
      instruction,
      url: `${kit.sites.origin}/moving`,
    });
    expect(first.result.cached).toBe(false);

    kit.model.load([actStep(/button: Confirm order/, "click")]);
    const moved = await kit.browser.act(kit.context(), sessionId, {
      instruction,
      url: `${kit.sites.origin}/moving?v=2`,
    });
    expect(moved.result).toMatchObject({ cached: false, healed: true });
    expect(moved.usage.calls).toBe(1);
    expect(moved.result.actions[0]?.selector).not.toBe(first.result.actions[0]?.selector);

    kit.model.calls.length = 0;
    const again = await kit.browser.act(kit.context(), sessionId, {
      instruction,
      url: `${kit.sites.origin}/moving?v=2`,
    });
    expect(again.result.cached).toBe(true);
    expect(kit.model.calls).toHaveLength(0);
  });

  it("makes no network call off this machine (no telemetry, no Browserbase API)", () => {
    // Sessions attach to the shared Chromium's local endpoint over a WebSocket, not fetch, so
    // Stagehand may fetch nothing at all; whatever it does fetch must stay on this machine.
    expect(fetched.filter((url) => new URL(url).hostname !== "127.0.0.1")).toEqual([]);
  });

  it("acts inside an iframe and a shadow root", async () => {
    const page = () => kit.browser.pool.get(kit.workspaceId, sessionId).page();
    kit.model.load([actStep(/button: Subscribe/, "click")]);
    await kit.browser.act(kit.context(), sessionId, {
      instruction: "click Subscribe",
      url: `${kit.sites.origin}/iframe`,
    });
    const inner = "document.querySelector('iframe').contentDocument.getElementById('state').textContent";
    await vi.waitFor(async () => expect(await page().evaluate(inner)).toBe("Subscribed!"), 10_000);
    kit.model.load([actStep(/button: Increment/, "click")]);
    const shadow = await kit.browser.act(kit.context(), sessionId, {
      instruction: "click Increment",
      url: `${kit.sites.origin}/shadow`,
    });
    expect(shadow.result.actions).toHaveLength(1);
    const count = "document.querySelector('counter-widget').shadowRoot.getElementById('count').textContent";
    await vi.waitFor(async () => expect(await page().evaluate(count)).toBe("Count: 1"), 10_000);
  });

  it("says clearly when the element vanishes between planning and acting", async () => {
    kit.model.load([{ ...actStep(/button: Claim offer/, "click"), delayMs: 700 }]);
    const failure = kit.browser.act(kit.context(), sessionId, {
      instruction: "claim the offer",
      url: `${kit.sites.origin}/vanishing`,
    });
    await expect(failure).rejects.toMatchObject({ status: 422 });
    await expect(failure).rejects.toThrow(/claim the offer/);
    expect(await kit.browser.cache.list(kit.workspaceId)).not.toContainEqual(
      expect.objectContaining({ instruction: "claim the offer" }),
    );
  });

  it("runs one operation in a browser of its own for workflow nodes, and closes it", async () => {
    const runner = createBrowserStepRunner(kit.browser);
    kit.model.load(extractSteps({ heading: "Shop" }));
    const report = await runner.run(kit.context(), {
      operation: "extract",
      url: `${kit.sites.origin}/shop`,
      instruction: "the heading",
      schema: { type: "object", properties: { heading: { type: "string" } }, required: ["heading"] },
    });
    expect(report.result).toEqual({ heading: "Shop" });
    expect(kit.browser.listSessions(kit.workspaceId).map((session) => session.id)).toEqual([sessionId]);
  });

  it("says clearly when the model finds no element", async () => {
    kit.model.load([{ kind: "act", reply: { json: { action: null, twoStep: false } } }]);
    const failure = kit.browser.act(kit.context(), sessionId, {
      instruction: "click the Teleport button",
      url: `${kit.sites.origin}/shop`,
    });
    await expect(failure).rejects.toMatchObject({ code: "element_not_found", status: 422 });
  });

  it("says clearly when the model answers something that is not the act schema", async () => {
    kit.model.load([{ kind: "act", reply: { text: "I think you should click the button" } }]);
    const failure = kit.browser.act(kit.context(), sessionId, { instruction: "click Checkout" });
    await expect(failure).rejects.toMatchObject({ status: 422 });
    await expect(failure).rejects.toThrow(/not JSON/);
  });
});
