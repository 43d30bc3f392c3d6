import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { updateBrowserSettings } from "../browser-settings.ts";
import {
  type BrowserTestKit,
  processesMentioning,
  startBrowserTestKit,
} from "../testing/browser-test-kit.ts";
import { WebSocketEndpoint } from "./websocket-endpoint.ts";

let kit: BrowserTestKit;

beforeAll(async () => {
  kit = await startBrowserTestKit({ maxSessions: 3 });
  await updateBrowserSettings(kit.db, kit.otherWorkspaceId, { allowUrls: ["127.0.0.1"] });
}, 60_000);
afterAll(async () => kit?.close());
afterEach(async () => {
  // A failed test leaves no session behind to exhaust the pool for the next.
  for (const workspaceId of [kit.workspaceId, kit.otherWorkspaceId])
    for (const session of kit.browser.listSessions(workspaceId))
      await kit.browser.closeSession(workspaceId, session.id).catch(() => {});
});

const page = (sessionId: string, workspaceId = kit.workspaceId) =>
  kit.browser.pool.get(workspaceId, sessionId).page();

/** What a page on the test origin can see of earlier visits: cookies, local storage, IndexedDB. */
const leftovers = `(async () => ({
  cookie: document.cookie,
  local: localStorage.getItem("visit"),
  databases: (await indexedDB.databases()).map((database) => database.name),
}))()`;
const leaveTraces = `(async () => {
  document.cookie = "visit=secret-of-the-first; max-age=3600";
  localStorage.setItem("visit", "secret-of-the-first");
  await new Promise((resolve) => { const open = indexedDB.open("visit-db"); open.onsuccess = resolve; });
})()`;
const nothing = { cookie: "", local: null, databases: [] };

describe("the shared Chromium", () => {
  it("gives every session an incognito context of its own: nothing one leaves is seen by another, at once or later, in any workspace", async () => {
    const origin = kit.sites.origin;
    const first = await kit.browser.openSession(kit.context(), { url: `${origin}/cookies` });
    await page(first.id).evaluate(leaveTraces);
    expect(await page(first.id).evaluate(leftovers)).toEqual({
      cookie: "visit=secret-of-the-first",
      local: "secret-of-the-first",
      databases: ["visit-db"],
    });
    // Open at the same time, same workspace and another one.
    const sameWorkspace = await kit.browser.openSession(kit.context(), { url: `${origin}/cookies` });
    const otherWorkspace = await kit.browser.openSession(kit.context(kit.otherWorkspaceId), {
      url: `${origin}/cookies`,
    });
    expect(await page(sameWorkspace.id).evaluate(leftovers)).toEqual(nothing);
    expect(await page(otherWorkspace.id, kit.otherWorkspaceId).evaluate(leftovers)).toEqual(nothing);
    // The site itself saw no cookie from the first session in the others' requests.
    expect(await page(sameWorkspace.id).evaluate("document.getElementById('cookie').textContent")).toBe(
      "no cookie",
    );
    // Each sees only its own tab.
    expect(kit.browser.pool.get(kit.workspaceId, first.id).stagehand.context.pages()).toHaveLength(1);
    await kit.browser.closeSession(kit.workspaceId, sameWorkspace.id);
    await kit.browser.closeSession(kit.otherWorkspaceId, otherWorkspace.id);
    await kit.browser.closeSession(kit.workspaceId, first.id);
    // Later sessions (spares made after the first closed, or fresh ones) start clean too.
    for (const workspaceId of [kit.workspaceId, kit.otherWorkspaceId]) {
      const later = await kit.browser.openSession(kit.context(workspaceId), { url: `${origin}/cookies` });
      expect(await page(later.id, workspaceId).evaluate(leftovers)).toEqual(nothing);
      await kit.browser.closeSession(workspaceId, later.id);
    }
  });

  it("confines a session's CDP connection to its own context", async () => {
    const mine = await kit.browser.openSession(kit.context());
    const theirs = await kit.browser.openSession(kit.context(kit.otherWorkspaceId));
    const connection = kit.browser.pool.get(kit.workspaceId, mine.id).stagehand.context.conn;
    const theirPage = page(theirs.id, kit.otherWorkspaceId);
    const { targetInfos } = (await connection.send("Target.getTargets")) as {
      targetInfos: Array<{ targetId: string; type: string }>;
    };
    expect(targetInfos.filter((target) => target.type === "page")).toHaveLength(1);
    expect(targetInfos.map((target) => target.targetId)).not.toContain(theirPage.targetId());
    for (const [method, params] of [
      ["Target.attachToTarget", { targetId: theirPage.targetId(), flatten: true }],
      ["Target.closeTarget", { targetId: theirPage.targetId() }],
      ["Target.createBrowserContext", {}],
      ["Target.getBrowserContexts", {}],
      ["Target.attachToBrowserTarget", {}],
    ] as const) {
      await expect(connection.send(method, params), method).rejects.toThrow();
    }
    // A new tab opens in the session's own context; closing "the browser" only leaves it.
    const { targetId } = (await connection.send("Target.createTarget", { url: "about:blank" })) as {
      targetId: string;
    };
    const after = (await connection.send("Target.getTargets")) as {
      targetInfos: Array<{ targetId: string }>;
    };
    expect(after.targetInfos.map((target) => target.targetId)).toContain(targetId);
    await connection.send("Browser.close");
    await kit.browser.goto(kit.context(kit.otherWorkspaceId), theirs.id, `${kit.sites.origin}/shop`);
    await kit.browser.closeSession(kit.workspaceId, mine.id);
    await kit.browser.closeSession(kit.otherWorkspaceId, theirs.id);
  });

  it("hands out spare sessions that loaded nothing before, with the owner's viewport and cookies", async () => {
    await kit.browser.warm();
    expect(kit.browser.stats().spares).toBe(2);
    const requestsBefore = kit.sites.requests.length;
    const session = await kit.browser.openSession(kit.context(), {
      viewport: { width: 900, height: 700 },
      cookies: [{ name: "tenant", value: "acme", url: kit.sites.origin }],
    });
    expect(kit.browser.stats().spares).toBe(1);
    // Nothing was fetched while it waited as a spare.
    expect(kit.sites.requests.length).toBe(requestsBefore);
    await kit.browser.goto(kit.context(), session.id, `${kit.sites.origin}/cookies`);
    expect(await page(session.id).evaluate("document.getElementById('cookie').textContent")).toBe(
      "tenant=acme",
    );
    expect(await page(session.id).evaluate("[window.innerWidth, window.innerHeight]")).toEqual([900, 700]);
  });

  it("starts a new browser after the shared one died", async () => {
    const before = await kit.browser.openSession(kit.context());
    const sharedBrowser = () => processesMentioning("--remote-debugging-pipe", kit.dir);
    const [browserPid] = await sharedBrowser();
    expect(browserPid).toBeGreaterThan(0);
    process.kill(browserPid as number, "SIGKILL");
    // (Spares being prepared may start the next browser at once: wait for this one to be gone.)
    await vi.waitFor(async () => expect(await sharedBrowser()).not.toContain(browserPid), {
      timeout: 15_000,
    });
    await expect(kit.browser.goto(kit.context(), before.id, `${kit.sites.origin}/shop`)).rejects.toThrow();
    await kit.browser.closeSession(kit.workspaceId, before.id);
    const after = await kit.browser.openSession(kit.context(), { url: `${kit.sites.origin}/shop` });
    expect(after.url).toBe(`${kit.sites.origin}/shop`);
    await kit.browser.closeSession(kit.workspaceId, after.id);
  }, 60_000);
});

describe("the local CDP endpoint", () => {
  it("lets a client in only on a path it registered, and only once", async () => {
    const opened: string[] = [];
    const endpoint = new WebSocketEndpoint({
      open: (token) => opened.push(token),
      message: () => {},
      closed: () => {},
    });
    await endpoint.listen();
    try {
      const { token, url } = endpoint.register();
      const port = new URL(url).port;
      const upgrade = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const call = request({
            host: "127.0.0.1",
            port,
            path,
            headers: {
              Connection: "Upgrade",
              Upgrade: "websocket",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
              "Sec-WebSocket-Version": "13",
            },
          });
          call.on("upgrade", (response, socket) => {
            // RFC 6455's example key and its accept value.
            expect(response.headers["sec-websocket-accept"]).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            socket.destroy();
            resolve(101);
          });
          call.on("response", (response) => resolve(response.statusCode ?? 0));
          call.on("error", reject);
          call.end();
        });
      expect(await upgrade("/not-a-token")).toBe(404);
      expect(await upgrade(`/${token}`)).toBe(101);
      expect(await upgrade(`/${token}`)).toBe(404);
      expect(opened).toEqual([token]);
    } finally {
      await endpoint.close();
    }
  });
});
