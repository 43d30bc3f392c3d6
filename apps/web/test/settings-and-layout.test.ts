import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// Settings (keys, providers and aliases, workspace, theme), keyboard shortcuts and the mobile
// drawer, in real Chromium against a real server.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

const background = (page: import("playwright-core").Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

describe("settings", () => {
  it("creates an API key, shows it once, lists it and revokes it", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/settings/keys" });
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByLabel("Key name").fill("website");
    await page.getByLabel("Key role").selectOption("member");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator(".new-key code");
    await shown.waitFor();
    const key = (await shown.textContent()) ?? "";
    expect(key).toMatch(/^nx_/);
    const row = page.locator("tr", { hasText: "website" });
    await row.waitFor();
    expect(await row.locator("td").nth(2).textContent()).toBe("member");
    await saveScreenshot(page, "settings-keys");

    // The key works, until it is revoked here.
    const me = () => fetch(`${harness.url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    expect((await me()).status).toBe(200);
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.waitFor({ state: "detached" });
    expect((await me()).status).toBe(401);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("creates a chat widget site token with its script tag, and revokes it", async () => {
    const { key: owner } = await harness.key(undefined, "owner");
    const agent = await fetch(`${harness.url}/api/agents`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Support bot", model: "double/test-chat" }),
    });
    expect(agent.status, await agent.clone().text()).toBe(201);
    const { page, problems } = await harness.signedInPage({ at: "#/settings/widget" });
    await page.getByRole("heading", { name: "Chat widget" }).waitFor();
    await page.getByLabel("Agent").selectOption({ label: "Support bot" });
    await page.getByLabel("Name").fill("docs site");
    await page.getByLabel(/Allowed sites/).fill("https://learn.example.com");
    await page.getByRole("button", { name: "Create site token" }).click();
    const snippet = (await page.locator(".embed-snippet").textContent()) ?? "";
    const token = /data-token="([^"]+)"/.exec(snippet)?.[1] ?? "";
    expect(snippet).toContain(`${harness.url}/widget.js`);
    const row = page.locator("tr", { hasText: "docs site" });
    await row.waitFor();
    expect(await row.textContent()).toContain("https://learn.example.com");
    await saveScreenshot(page, "settings-widget");

    // The token opens a widget session from the allowed site, until it is revoked here.
    const session = () =>
      fetch(`${harness.url}/api/widget/session`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: "https://learn.example.com",
          "x-nexus-site-token": token,
          "x-nexus-visitor": "visitor-settings-test-0001",
        },
        body: "{}",
      });
    expect((await session()).status).toBe(200);
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.waitFor({ state: "detached" });
    expect((await session()).status).toBe(401);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("tells a member that keys are for admins", async () => {
    const { page } = await harness.signedInPage({ role: "member", at: "#/settings/keys" });
    await page.getByText("Only a workspace admin or owner manages keys").waitFor();
    await page.context().close();
  });

  it("lists providers and creates an alias the model picker then offers", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/settings/models" });
    await page.locator('[data-provider="double"]').waitFor();
    await page.getByRole("button", { name: "New alias" }).click();
    await page.getByLabel("Alias name").fill("tutor");
    await page.getByRole("textbox", { name: "Provider", exact: true }).fill("double");
    await page.getByLabel("Upstream model").fill("test-chat");
    await page.getByRole("button", { name: "Save alias" }).click();
    await page.locator('[data-alias="tutor"]').waitFor();
    expect(await page.locator('[data-alias="tutor"]').textContent()).toContain("double/test-chat");

    // A bad alias: the server's reason is shown.
    await page.getByRole("button", { name: "New alias" }).click();
    await page.getByLabel("Alias name").fill("broken");
    await page.getByRole("textbox", { name: "Provider", exact: true }).fill("nowhere");
    await page.getByLabel("Upstream model").fill("m");
    await page.getByRole("button", { name: "Save alias" }).click();
    await page.getByRole("alert").filter({ hasText: "Unknown provider 'nowhere'" }).waitFor();
    await saveScreenshot(page, "settings-models");

    await page.goto(`${harness.url}/#/`);
    const picker = page.getByRole("combobox", { name: "Model" });
    await picker.waitFor();
    await expect.poll(() => picker.locator("option").allTextContents()).toContain("tutor");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("switches workspace by signing in with another workspace's key", async () => {
    const { page } = await harness.signedInPage({ at: "#/settings/workspace" });
    expect(await page.locator(".current-workspace").textContent()).toBe("AgentX Interface");
    const azi = await harness.key("azi-learns-ai", "member");
    await page.getByLabel("API key of the other workspace").fill(azi.key);
    await page.getByRole("button", { name: "Switch" }).click();
    await page.locator(".current-workspace", { hasText: "AZI Learns AI" }).waitFor();
    await saveScreenshot(page, "settings-workspace");
    await page.context().close();
  });

  it("keeps a chosen dark or light theme across reloads, else follows the system", async () => {
    const { page } = await harness.signedInPage({ at: "#/settings/appearance", colorScheme: "light" });
    expect(await background(page)).toBe("rgb(246, 247, 249)");
    await page.getByLabel("Dark").check();
    expect(await background(page)).toBe("rgb(17, 20, 24)");
    await page.reload();
    await page.getByLabel("Dark").waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await background(page)).toBe("rgb(17, 20, 24)");
    await saveScreenshot(page, "settings-dark");
    await page.getByLabel("Like the system").check();
    expect(await background(page)).toBe("rgb(246, 247, 249)");
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background(page)).toBe("rgb(17, 20, 24)");
    await page.context().close();
  });
});

describe("layout", () => {
  it("has keyboard shortcuts for a new chat and search", async () => {
    const { page } = await harness.signedInPage({ at: "#/settings/shortcuts" });
    await page.getByRole("heading", { name: "Keyboard shortcuts" }).waitFor();
    await page.keyboard.press("Control+k");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")))
      .toBe("Search conversations");
    await page.keyboard.press("Control+Shift+O");
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(new URL(page.url()).hash).toBe("#/");
    await page.context().close();
  });

  it("shows the sidebar as a drawer on a phone", async () => {
    const { page, problems } = await harness.signedInPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    const sidebar = page.getByRole("navigation", { name: "Conversations" });
    const left = async () => (await sidebar.boundingBox())?.x ?? 0;
    expect(await left()).toBeLessThan(0);
    await saveScreenshot(page, "mobile-chat");
    await page.getByRole("button", { name: "Open the sidebar" }).click();
    await expect.poll(left).toBe(0);
    await saveScreenshot(page, "mobile-drawer");
    await page.locator(".drawer-backdrop").click({ position: { x: 370, y: 400 } });
    await expect.poll(left).toBeLessThan(0);
    // The settings pages have the same way to the sidebar.
    await page.goto(`${harness.url}/#/settings/appearance`);
    await page.getByRole("button", { name: "Open the sidebar" }).click();
    await expect.poll(left).toBe(0);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });
});
