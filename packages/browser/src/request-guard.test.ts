import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { updateBrowserSettings } from "./browser-settings.ts";
import { type BrowserTestKit, startBrowserTestKit } from "./testing/browser-test-kit.ts";
import { startTestSites, type TestSites } from "./testing/test-sites.ts";

// The workspace may browse the test sites' origin only; `internal` stands for a private service
// (another port on 127.0.0.1) that a page on the allowed site tries to reach.
let kit: BrowserTestKit;
let internal: TestSites;
let sessionId: string;

beforeAll(async () => {
  kit = await startBrowserTestKit();
  internal = await startTestSites();
  await updateBrowserSettings(kit.db, kit.workspaceId, { allowUrls: [`${kit.sites.origin}/*`] });
  sessionId = (await kit.browser.openSession(kit.context())).id;
}, 30_000);
afterAll(async () => {
  await kit?.close();
  await internal?.close();
});

const page = () => kit.browser.pool.get(kit.workspaceId, sessionId).page();
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe("the URL policy on every request", () => {
  it("lets the page's iframe, image and fetch reach a host the policy allows (control)", async () => {
    await updateBrowserSettings(kit.db, kit.workspaceId, {
      allowUrls: [`${kit.sites.origin}/*`, `${internal.origin}/*`],
    });
    await kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/leaky?target=${internal.origin}`);
    await settle();
    expect(internal.requests).toEqual(expect.arrayContaining(["/framed", "/pixel.png", "/fetched"]));
    internal.requests.length = 0;
  });

  it("refuses a page's iframe, image and fetch to a private address the policy does not allow", async () => {
    await updateBrowserSettings(kit.db, kit.workspaceId, { allowUrls: [`${kit.sites.origin}/*`] });
    const report = await kit.browser.goto(
      kit.context(),
      sessionId,
      `${kit.sites.origin}/leaky?target=${internal.origin}`,
    );
    await settle();
    expect(report.url).toBe(`${kit.sites.origin}/leaky?target=${internal.origin}`);
    expect(internal.requests).toEqual([]);
    expect(await page().evaluate("document.getElementById('fetch').textContent")).toBe("refused");
    expect(kit.logs.some((line) => line.includes(`refused by the URL policy: ${internal.origin}/`))).toBe(
      true,
    );
  });

  it("refuses a redirect from an allowed page to a private address, naming it", async () => {
    const target = `${internal.origin}/login`;
    await expect(
      kit.browser.goto(
        kit.context(),
        sessionId,
        `${kit.sites.origin}/redirect?to=${encodeURIComponent(target)}`,
      ),
    ).rejects.toMatchObject({ code: "url_blocked", message: expect.stringContaining(target) });
    expect(internal.requests).toEqual([]);
  });

  it("closes a popup the page opens on a refused URL, and guards what a popup itself loads", async () => {
    const session = kit.browser.pool.get(kit.workspaceId, sessionId);
    const leaky = `${kit.sites.origin}/leaky?target=${internal.origin}`;
    const openWindow = async () => {
      await kit.browser.goto(kit.context(), sessionId, leaky);
      // As a person's click: with user activation, so Chromium's popup blocker lets it open.
      await page().sendCDP("Runtime.evaluate", {
        expression: "document.getElementById('open').click()",
        userGesture: true,
      });
      await settle();
    };
    // Control: allowed, the popup opens and loads.
    await updateBrowserSettings(kit.db, kit.workspaceId, {
      allowUrls: [`${kit.sites.origin}/*`, `${internal.origin}/*`],
    });
    await openWindow();
    const popup = await vi.waitFor(() => {
      const opened = session.stagehand.context
        .pages()
        .find((open) => open.url() === `${internal.origin}/popup`);
      if (!opened)
        throw new Error(
          `the popup has not opened yet (pages: ${session.stagehand.context
            .pages()
            .map((open) => open.url())
            .join(", ")}; internal saw: ${internal.requests.join(", ")})`,
        );
      return opened;
    }, 20_000);
    expect(internal.requests).toContain("/popup");
    // The popup is the active page now: what it loads once the policy narrows is refused too.
    await updateBrowserSettings(kit.db, kit.workspaceId, { allowUrls: [`${kit.sites.origin}/*`] });
    internal.requests.length = 0;
    await kit.browser.goto(kit.context(), sessionId, leaky);
    await settle();
    expect(page()).toBe(popup);
    expect(internal.requests).toEqual([]);
    await popup?.close();

    await openWindow();
    expect(internal.requests).toEqual([]);
    // Closed, not left open on an error page for the next operation to land on.
    await vi.waitFor(
      () => expect(session.stagehand.context.pages().map((open) => open.url())).toEqual([leaky]),
      10_000,
    );
  }, 60_000);

  it("applies the deny list to subresources on an allowed host", async () => {
    await updateBrowserSettings(kit.db, kit.workspaceId, {
      allowUrls: [`${kit.sites.origin}/*`],
      denyUrls: ["*/iframe-inner*"],
    });
    kit.sites.requests.length = 0;
    await kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/iframe`);
    await settle();
    expect(kit.sites.requests).toContain("/iframe");
    expect(kit.sites.requests).not.toContain("/iframe-inner");
    await updateBrowserSettings(kit.db, kit.workspaceId, { denyUrls: [] });
  });

  it("holds WebSockets to the policy too: one to a private address the policy does not allow never connects", async () => {
    const socketPage = (to: string) => `${kit.sites.origin}/websocket?to=${encodeURIComponent(to)}`;
    const socketState = () => page().evaluate("document.getElementById('socket').textContent");
    // Control: to the allowed origin, the socket opens and the server's hello arrives.
    await kit.browser.goto(
      kit.context(),
      sessionId,
      socketPage(`${kit.sites.origin.replace("http", "ws")}/socket`),
    );
    await expect.poll(socketState, { timeout: 15_000 }).toBe("got hello");
    // Another port on 127.0.0.1 (a private service), and the same host by the name localhost.
    for (const to of [
      `${internal.origin.replace("http", "ws")}/socket`,
      `ws://localhost:${new URL(internal.origin).port}/socket`,
    ]) {
      await kit.browser.goto(kit.context(), sessionId, socketPage(to));
      await expect.poll(socketState, { timeout: 15_000 }).toBe("failed");
    }
    expect(internal.sockets).toEqual([]);
    expect(
      kit.logs.some((line) =>
        line.includes(`refused by the URL policy: 127.0.0.1:${new URL(internal.origin).port}`),
      ),
    ).toBe(true);
  });

  it("refuses service workers: registering one fails and its script is never fetched", async () => {
    kit.sites.requests.length = 0;
    await kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/service-worker`);
    await expect
      .poll(() => page().evaluate("document.getElementById('worker').textContent"), { timeout: 15_000 })
      .toMatch(/^refused/);
    expect(
      await page().evaluate("navigator.serviceWorker.getRegistrations().then((all) => all.length)"),
    ).toBe(0);
    expect(kit.sites.requests).toContain("/service-worker");
    expect(kit.sites.requests).not.toContain("/worker.js");
    expect(kit.logs.some((line) => line.includes(`${kit.sites.origin}/worker.js (service worker)`))).toBe(
      true,
    );
  });

  it("follows a policy change at once: a session opened before it is held to the new one", async () => {
    await updateBrowserSettings(kit.db, kit.workspaceId, { allowUrls: [] });
    await expect(
      kit.browser.goto(kit.context(), sessionId, `${kit.sites.origin}/table`),
    ).rejects.toMatchObject({ code: "url_blocked" });
    await updateBrowserSettings(kit.db, kit.workspaceId, { allowUrls: [`${kit.sites.origin}/*`] });
  });
});
