import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePdf } from "../../../packages/knowledge/src/testing/test-files.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// Knowledge bases in real Chromium: create, upload with live statuses, a bad file's error, hit testing.
let harness: WebHarness;
beforeAll(async () => {
  harness = await startWebHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe("knowledge page", () => {
  it("creates a knowledge base, uploads files, shows statuses and errors, and tests hits per mode", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/knowledge" });
    await page.getByLabel("Name", { exact: true }).fill("Handbook");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Handbook" }).waitFor();
    await expect(page.getByText("built-in (hashed n-grams, no model needed)")).toBeTruthy();

    await page.getByLabel("Files to add").setInputFiles([
      {
        name: "leave.md",
        mimeType: "text/markdown",
        buffer: Buffer.from("# Leave\n\nEmployees get 25 days of paid holiday each year."),
      },
      {
        name: "expenses.pdf",
        mimeType: "application/pdf",
        buffer: makePdf(["Travel", "Hotel costs are refunded up to 150 euros a night."]),
      },
      { name: "tool.txt", mimeType: "text/plain", buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00]) },
    ]);
    const rows = page.getByRole("table", { name: "Documents" }).getByRole("row");
    await rows.filter({ hasText: "leave.md" }).filter({ hasText: "Ready" }).waitFor();
    await rows.filter({ hasText: "expenses.pdf" }).filter({ hasText: "Ready" }).waitFor();
    const failed = rows.filter({ hasText: "tool.txt" });
    await failed.filter({ hasText: "Failed" }).waitFor();
    expect(await failed.textContent()).toContain("binary file");
    expect(await failed.getByRole("button", { name: "Retry" }).count()).toBe(1);

    await page.getByLabel("Test query").fill("how much is refunded for a hotel night");
    await page.getByRole("button", { name: "Test" }).click();
    for (const mode of ["hybrid", "vector", "fulltext"]) {
      const column = page.locator(`.kb-mode[data-mode="${mode}"]`);
      await column.locator("li").first().waitFor();
      const first = await column.locator("li").first().textContent();
      expect(first, mode).toContain("150 euros");
      expect(first, mode).toContain("expenses.pdf, page 2");
      expect(first, mode).toMatch(/score \d\.\d{3}/);
      // The built-in embedder has no tokenizer: ingestion's count is an estimate.
      expect(first, mode).toMatch(/chunk \d+ · ~\d+ tokens/);
    }
    await saveScreenshot(page, "knowledge-hit-testing");

    // Switching the embedder re-embeds every document; the old vectors serve until each is done.
    await page.getByRole("textbox", { name: "Embedding model" }).fill("double/test-embed");
    await page.getByRole("button", { name: "Change and re-embed" }).click();
    await page.getByText("Embedding 3 documents again with double/test-embed.").waitFor();
    await page.locator(".kb-embedder").filter({ hasText: "double/test-embed" }).waitFor();
    await rows.filter({ hasText: "leave.md" }).filter({ hasText: "Ready" }).waitFor();
    await page.locator(".kb-embedder").filter({ hasText: "8 dimensions" }).waitFor();
    // Re-embedded through the gateway, whose double has a tokenizer: the count is exact, no "~".
    const hotelHit = page.locator('.kb-mode[data-mode="fulltext"] li').filter({ hasText: "150 euros" });
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Test" }).click();
          return (await hotelHit.first().textContent({ timeout: 30_000 })) ?? "";
        },
        { timeout: 60_000, interval: 500 },
      )
      .toMatch(/chunk \d+ · \d+ tokens/);

    await page.getByRole("link", { name: "All knowledge bases" }).click();
    await page.getByText(/2 ready, 1 failed|1 failed, 2 ready/).waitFor();
    expect(unexpectedProblems(problems)).toEqual([]);
  });
});
