import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSites, type TestSites } from "../../../packages/browser/src/testing/test-sites.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// The browser-automation page in real Chromium against a real server: recorded tasks, a run's
// steps with their screenshots, and a failing step's reason. The tasks navigate only (goto), so
// no model is involved; the runs' Chromium is the server's own.
let harness: WebHarness;
let sites: TestSites;

beforeAll(async () => {
  harness = await startWebHarness();
  sites = await startTestSites();
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await sites?.close();
});

describe("browser page", () => {
  it("saves a task from the form, lists it, runs it and shows each step with its screenshot and the failing step's reason", async () => {
    const { page, problems } = await harness.signedInPage({ workspace: "ai-workflow", at: "#/browser" });
    const api = (path: string, method: string, data?: unknown) =>
      page.request.fetch(`${harness.url}${path}`, { method, data });
    expect((await api("/api/browser/settings", "PUT", { allowUrls: ["127.0.0.1"] })).status()).toBe(200);
    await page.reload();
    const form = page.getByRole("form", { name: "New task" });
    await form.getByLabel("Name").fill("Visit the table");
    await form.getByLabel("Start URL").fill(`${sites.origin}/shop`);
    await form.getByLabel("Steps, one per line").fill("teleport: somewhere");
    await form.getByRole("button", { name: "Save task" }).click();
    await form.getByRole("alert").filter({ hasText: "Line 1" }).waitFor();
    await form
      .getByLabel("Steps, one per line")
      .fill(`goto: ${sites.origin}/table\ngoto: http://127.0.0.1:9/\ngoto: ${sites.origin}/login`);
    await form.getByRole("button", { name: "Save task" }).click();
    await page.getByRole("button", { name: "Run now" }).waitFor();
    const taskId = decodeURIComponent(new URL(page.url()).hash.replace("#/browser/", ""));
    await page.getByRole("link", { name: "All tasks" }).click();
    await page.getByRole("link", { name: "Visit the table" }).click();
    await page.getByRole("button", { name: "Run now" }).click();
    const run = page.getByRole("list", { name: "Runs" }).getByRole("listitem").first();
    await run.locator(".bt-status", { hasText: "failed" }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => run.getByRole("alert").first().textContent())
      .toMatch(/^step 2 \(goto\): .*could not be/);
    const rows = run.locator("tbody tr");
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).locator("td").nth(2).textContent()).toBe("succeeded");
    expect(await rows.nth(2).locator("td").nth(2).textContent()).toBe("skipped");
    for (const index of [1, 2]) {
      const shot = rows.nth(index - 1).getByRole("img", { name: `Step ${index} screenshot` });
      await expect
        .poll(() => shot.evaluate((image: HTMLImageElement) => image.naturalWidth))
        .toBeGreaterThan(0);
    }
    expect(new URL(page.url()).hash).toBe(`#/browser/${taskId}`);
    await saveScreenshot(page, "browser-task-run");
    expect(unexpectedProblems(problems)).toEqual([]);
  });
});
