import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Stagehand } from "@browserbasehq/stagehand";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSites, type TestSites } from "../testing/test-sites.ts";
import type { UrlPolicy } from "../url-policy.ts";
import { type BrowserContextLease, SharedChromium } from "./shared-chromium.ts";

// The shared Chromium on its own (no request guard in the page): every connection a context makes
// goes through its proxy, which looks the host up itself and connects only to what it checked.
// `.test` names resolve only through the resolver given here (the system's resolver does not know
// them), so a page that loads one proves the browser connected where the proxy decided.
let sites: TestSites;
let chromium: SharedChromium;
let dir: string;
let policy: UrlPolicy = { allow: [], deny: [] };
const blocked: string[] = [];

beforeAll(async () => {
  sites = await startTestSites();
  dir = mkdtempSync(path.join(os.tmpdir(), "nexus-context-proxy-"));
  chromium = new SharedChromium({
    executablePath: process.env.NEXUS_CHROMIUM_PATH ?? "/usr/bin/chromium",
    dir,
    // What DNS answers now: both names point at this machine.
    resolveHost: async (host) => {
      if (host === "rebound.nexus.test" || host === "allowed.nexus.test") return ["127.0.0.1"];
      throw new Error(`${host} does not resolve`);
    },
  });
}, 30_000);
afterAll(async () => {
  await chromium?.close();
  await sites?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openPage(): Promise<{ lease: BrowserContextLease; stagehand: Stagehand }> {
  const lease = await chromium.openContext({
    downloadsDir: dir,
    viewport: { width: 800, height: 600 },
    policy: () => policy,
    onBlocked: (target) => blocked.push(target),
  });
  const stagehand = new Stagehand({
    env: "LOCAL",
    disableAPI: true,
    disablePino: true,
    verbose: 0,
    localBrowserLaunchOptions: { cdpUrl: lease.url },
  });
  await stagehand.init();
  return { lease, stagehand };
}

describe("the context proxy", () => {
  it("connects only to an address it checked when connecting: a name that resolves to a private address is refused, over HTTP and WebSocket", async () => {
    const port = new URL(sites.origin).port;
    const { lease, stagehand } = await openPage();
    try {
      const page = stagehand.context.pages()[0];
      if (!page) throw new Error("no page");
      // Open internet, private ranges refused: the name now points at 127.0.0.1.
      policy = { allow: [], deny: [] };
      await page.goto(`http://rebound.nexus.test:${port}/shop`, { waitUntil: "load" }).catch(() => {});
      expect(await page.evaluate("location.href")).toMatch(/^chrome-error:/);
      expect(sites.requests).not.toContain("/shop");
      expect(blocked).toContain(`http://rebound.nexus.test:${port}/shop`);

      // Allow-listed by name: loads, at the address the proxy looked up (Chromium could not).
      policy = { allow: ["allowed.nexus.test"], deny: [] };
      await page.goto(
        `http://allowed.nexus.test:${port}/websocket?to=ws://rebound.nexus.test:${port}/socket`,
        {
          waitUntil: "load",
        },
      );
      expect(sites.requests).toContain(`/websocket?to=ws://rebound.nexus.test:${port}/socket`);
      // …and its WebSocket to the name that is not allow-listed never connects.
      await expect
        .poll(() => page.evaluate("document.getElementById('socket').textContent"), { timeout: 15_000 })
        .toBe("failed");
      expect(sites.sockets).toEqual([]);
      expect(blocked).toContain(`rebound.nexus.test:${port}`);

      // Control: a WebSocket to the allow-listed name connects.
      await page.goto(
        `http://allowed.nexus.test:${port}/websocket?to=ws://allowed.nexus.test:${port}/socket`,
        {
          waitUntil: "load",
        },
      );
      await expect
        .poll(() => page.evaluate("document.getElementById('socket').textContent"), { timeout: 15_000 })
        .toBe("got hello");
      expect(sites.sockets).toEqual([`allowed.nexus.test:${port}`]);
    } finally {
      await stagehand.close();
      await lease.close();
    }
  }, 60_000);
});
