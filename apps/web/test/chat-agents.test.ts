import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./chat-page.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// The agent gallery and editor, a chat with an agent, and agent export/import, in real Chromium.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

type UpstreamRequest = {
  messages: Array<{ role: string; content: unknown }>;
  temperature?: number;
  tools?: unknown[];
};

describe("agents", () => {
  it("creates an agent, chats with it, edits, exports and imports it", async () => {
    const { page, problems } = await harness.signedInPage({ at: "#/agents" });
    await page.getByRole("link", { name: "New agent" }).click();
    await page.getByLabel("Avatar").fill("🎓");
    await page.getByLabel("Name", { exact: true }).fill("Tutor");
    await page.getByLabel("Description").fill("Explains with small examples");
    await page.getByLabel("System prompt").fill("You are a patient tutor.");
    await page.getByLabel("Model", { exact: true }).fill("double/test-chat");
    await page.getByLabel("Temperature").fill("0.3");
    await page.getByLabel("Opening message").fill("Hello! Ask me **anything**.");
    await page.getByLabel("Suggested questions").fill("What is a prime number?\nExplain gravity");
    await page.getByLabel("Current time").check();
    await saveScreenshot(page, "agent-editor");
    await page.getByRole("button", { name: "Save agent" }).click();
    const card = page.locator(".agent-card", { hasText: "Tutor" });
    await card.waitFor();
    expect(await card.locator(".agent-description").textContent()).toBe("Explains with small examples");
    await saveScreenshot(page, "agent-gallery");

    // A chat with the agent opens with its message and questions; a question sends itself.
    await card.getByRole("link", { name: "Chat" }).click();
    await page.locator(".opening-message strong", { hasText: "anything" }).waitFor();
    expect(await chat.modelPicker(page).inputValue()).toBe("double/test-chat");
    const before = harness.upstream.chatRequests().length;
    await page.getByRole("button", { name: "What is a prime number?" }).click();
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    expect(await chat.lastAssistant(page).locator(".message-author").textContent()).toBe("Tutor");
    await saveScreenshot(page, "agent-chat");
    const first = harness.upstream.chatRequests()[before] as UpstreamRequest;
    expect(first.messages[0]).toMatchObject({ role: "system" });
    expect(JSON.stringify(first.messages[0]?.content)).toContain("You are a patient tutor.");
    expect(first.temperature).toBe(0.3);
    expect(JSON.stringify(first.tools)).toContain("current_time");

    // Edit: the change is kept.
    await page.goto(`${harness.url}/#/agents`);
    await card.getByRole("link", { name: "Edit" }).click();
    await expect.poll(() => page.getByLabel("Name", { exact: true }).inputValue()).toBe("Tutor");
    expect(await page.getByLabel("Current time").isChecked()).toBe(true);
    await page.getByLabel("Name", { exact: true }).fill("Math tutor");
    await page.getByRole("button", { name: "Save agent" }).click();
    const renamed = page.locator(".agent-card", { hasText: "Math tutor" });
    await renamed.waitFor();

    // Export, then import it back as a second agent.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      renamed.getByRole("button", { name: "Export" }).click(),
    ]);
    const exported = JSON.parse(fs.readFileSync(await download.path(), "utf8")) as {
      nexusAgent: number;
      agent: { name: string; systemPrompt: string };
    };
    expect(exported.nexusAgent).toBe(1);
    expect(exported.agent).toMatchObject({ name: "Math tutor", systemPrompt: "You are a patient tutor." });
    await page.getByLabel("Agent file").setInputFiles({
      name: download.suggestedFilename(),
      mimeType: "application/json",
      buffer: fs.readFileSync(await download.path()),
    });
    await page.getByRole("status").filter({ hasText: "Imported Math tutor." }).waitFor();
    await expect.poll(() => page.locator(".agent-card", { hasText: "Math tutor" }).count()).toBe(2);
    await page.getByLabel("Agent file").setInputFiles({
      name: "not-an-agent.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"name": "x"}'),
    });
    await page.getByRole("alert").filter({ hasText: "Import failed" }).waitFor();

    // Delete one.
    await page
      .locator(".agent-card", { hasText: "Math tutor" })
      .first()
      .getByRole("button", { name: "Delete" })
      .click();
    await expect.poll(() => page.locator(".agent-card", { hasText: "Math tutor" }).count()).toBe(1);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("does not offer to save an agent without a name and model", async () => {
    const { page } = await harness.signedInPage({ at: "#/agents/new" });
    await page.getByLabel("Name", { exact: true }).fill("Nameless model");
    await page.getByLabel("Model", { exact: true }).fill("  ");
    expect(await page.getByRole("button", { name: "Save agent" }).isDisabled()).toBe(true);
    await page.context().close();
  });
});
