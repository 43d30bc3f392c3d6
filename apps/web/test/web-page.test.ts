import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApiKey, getWorkspaceBySlug, loadConfig, nexusVersion } from "@nexus/core";
import { type RunningNexus, startNexus } from "@nexus/server";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testChromium } from "../../../packages/core/src/testing/test-chromium.ts";
import { buildPage } from "./web-harness.ts";

// Drives the built page in real headless Chromium against a real server on a fresh SQLite store.
const screenshotFile = "/tmp/nexus-web.png";

let temporaryDirectory: string;
let nexus: RunningNexus;
let browser: Browser;
let agentxKey: string;

beforeAll(async () => {
  temporaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "nexus-web-"));
  // Build into a directory of our own so the test never serves a stale apps/web/dist.
  const webRoot = path.join(temporaryDirectory, "dist");
  buildPage(webRoot);
  const config = loadConfig({
    NEXUS_PORT: "0",
    NEXUS_DATA_DIR: path.join(temporaryDirectory, "data"),
    NEXUS_LOG_LEVEL: "silent",
  } as NodeJS.ProcessEnv);
  nexus = await startNexus(config, { webRoot });
  const { db } = nexus.dependencies.store;
  const agentx = await getWorkspaceBySlug(db, "agentx");
  agentxKey = (await createApiKey(db, { workspaceId: agentx.id, role: "admin" })).key;
  browser = await chromium.launch(testChromium);
});

afterAll(async () => {
  await browser?.close();
  await nexus?.stop();
  if (temporaryDirectory) fs.rmSync(temporaryDirectory, { recursive: true, force: true });
});

/** A page in a context of its own, so each test starts with no session cookie. */
async function openPage(address: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...options });
  const page = await context.newPage();
  await page.goto(address);
  return page;
}

/** The workspace the signed-in app says it is in, as its sidebar and its settings list it. */
async function workspaceNames(page: Page): Promise<string[]> {
  const current = await page.locator(".current-workspace").textContent();
  await page.locator(".workspace-indicator").click();
  await page.locator(".workspace-name").first().waitFor();
  const listed = await page.locator(".workspace-name").allTextContents();
  expect(listed).toEqual([current]);
  return listed;
}

describe("web page", () => {
  it("shows the version, liveness and every readiness check", async () => {
    const page = await openPage(nexus.url);
    await page.locator(".site-header .version", { hasText: `v${nexusVersion}` }).waitFor();
    await page.locator('[data-check="liveness"] .badge-ok').waitFor();
    for (const name of ["store", "queue", "events"]) {
      const check = page.locator(`[data-check="${name}"]`);
      await check.locator(".badge-ok", { hasText: "ok" }).waitFor();
      expect((await check.locator(".kind").textContent())?.trim()).not.toBe("");
    }
    expect(await page.locator('[data-check="store"] .kind').textContent()).toBe("sqlite");
    await page.context().close();
  });

  it("refreshes the health panel every 10 seconds", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.clock.install();
    let readinessRequests = 0;
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/readyz") readinessRequests += 1;
    });
    await page.goto(nexus.url);
    await page.locator('[data-check="store"] .badge-ok').waitFor();
    const before = readinessRequests;
    await page.clock.runFor(10_000);
    await expect.poll(() => readinessRequests).toBe(before + 1);
    await context.close();
  });

  it("signs in with the login link, clears it from the URL, and refuses it a second time", async () => {
    const code = nexus.loginCodes.issue("nexus-os");
    const link = `${nexus.url}/#login=${code}`;
    const page = await openPage(link);
    await page.locator(".current-workspace").waitFor();
    expect(page.url()).not.toContain(code);
    expect(new URL(page.url()).hash).toBe("");
    expect(await workspaceNames(page)).toEqual(["AI Boss Nexus OS"]);
    await page.screenshot({ path: screenshotFile, fullPage: true });
    await page.context().close();

    const again = await openPage(link);
    const alert = again.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Login code is unknown, used or expired");
    expect(again.url()).not.toContain(code);
    await again.locator("#api-key").waitFor();
    await again.context().close();
  });

  it("signs in with an API key by the form, shows only its workspace, and signs out", async () => {
    const page = await openPage(nexus.url);
    await page.locator("#api-key").fill("nx_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Invalid or revoked API key");

    await page.locator("#api-key").fill(agentxKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await workspaceNames(page)).toEqual(["AgentX Interface"]);
    const text = await page.locator("main").textContent();
    for (const other of ["AI Boss Nexus OS", "AZI Learns AI", "AI Workflow"])
      expect(text).not.toContain(other);
    expect(await page.locator(".role").textContent()).toBe("admin");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#api-key").waitFor();
    expect(await page.locator(".current-workspace").count()).toBe(0);
    // The cookie is gone too: a reload stays signed out.
    await page.reload();
    await page.locator("#api-key").waitFor();
    expect(await page.locator(".workspace-name").count()).toBe(0);
    await page.context().close();
  });

  it("renders the dark color scheme", async () => {
    const page = await openPage(nexus.url, { colorScheme: "dark" });
    await page.locator('[data-check="events"] .badge-ok').waitFor();
    const background = await page.evaluate(
      () => getComputedStyle(document.body.parentElement as Element).backgroundColor,
    );
    expect(background).toBe("rgb(17, 20, 24)");
    await page.screenshot({ path: "/tmp/nexus-web-dark.png", fullPage: true });
    await page.context().close();
  });
});
