import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./chat-page.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// Attachments, search, export and import, and the errors a person can act on, in real Chromium
// against a real server whose upstream is the OpenAI test double.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

// A 1×1 PNG.
const pixel = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

type UpstreamMessage = {
  role: string;
  content: string | Array<{ type: string; text?: string; image_url?: { url: string } }>;
};

describe("chat features", () => {
  it("attaches an image and a text file; the model receives both", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    const fileInput = page.getByLabel("Attachment file");
    await fileInput.setInputFiles([
      { name: "pixel.png", mimeType: "image/png", buffer: pixel },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("The secret word is banana.") },
    ]);
    await page.locator('.composer .attachment[data-name="pixel.png"] img').waitFor();
    await page.locator('.composer .attachment[data-name="notes.txt"]').waitFor();
    const before = harness.upstream.chatRequests().length;
    await chat.send(page, "What is in these?");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    const sent = chat.lastUser(page);
    await sent.locator('.attachment[data-name="pixel.png"] img').waitFor();
    await sent.locator('.attachment[data-name="notes.txt"]').waitFor();
    expect(await page.locator(".composer .attachment").count()).toBe(0);
    await saveScreenshot(page, "chat-attachments");

    // The reply's request (the title's comes after it and carries no image).
    const requests = harness.upstream.chatRequests().slice(before) as Array<{ messages: UpstreamMessage[] }>;
    const asked = JSON.stringify(requests[0]?.messages);
    expect(asked).toContain(`data:image/png;base64,${pixel.toString("base64")}`);
    expect(asked).toContain("The secret word is banana.");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("refuses files over the limits with a message that says so", async () => {
    const { page } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    const fileInput = page.getByLabel("Attachment file");
    await fileInput.setInputFiles({
      name: "huge.txt",
      mimeType: "text/plain",
      buffer: Buffer.alloc(200_001, "a"),
    });
    await page
      .getByRole("alert")
      .filter({ hasText: "huge.txt has 200,001 characters; text files can be up to 200,000" })
      .waitFor();
    // 5 MB through the DevTools protocol takes a while on a loaded machine.
    await fileInput.setInputFiles(
      {
        name: "big.png",
        mimeType: "image/png",
        buffer: Buffer.alloc(5 * 1024 * 1024 + 1),
      },
      { timeout: 60_000 },
    );
    await page
      .getByRole("alert")
      .filter({ hasText: "big.png is 5.0 MB; images can be up to 5 MB" })
      .waitFor();
    await fileInput.setInputFiles({
      name: "binary.dat",
      mimeType: "application/octet-stream",
      buffer: Buffer.from([0, 1, 2]),
    });
    await page.getByRole("alert").filter({ hasText: "binary.dat is not a text file" }).waitFor();
    expect(await page.locator(".composer .attachment").count()).toBe(0);
    await page.context().close();
  });

  it("finds a conversation by a word in its messages", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "tell me about the zebracorn herd");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    const id = chat.conversationId(page);
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "something else entirely");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");

    await page.keyboard.press("Control+k");
    await page.keyboard.type("zebracorn");
    const hit = page.getByRole("list", { name: "Search results" }).getByRole("button").first();
    await hit.waitFor();
    expect(await hit.locator("mark").first().textContent()).toMatch(/zebracorn/i);
    await saveScreenshot(page, "sidebar-search");
    await hit.click();
    await expect.poll(() => chat.conversationId(page)).toBe(id);
    await chat.lastUser(page).getByText("tell me about the zebracorn herd").waitFor();
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("exports a conversation as Markdown and JSON and imports the JSON back", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "export this please");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");

    const download = async (format: "Markdown" | "JSON") => {
      await page.locator(".export-menu summary").click();
      const [file] = await Promise.all([
        page.waitForEvent("download"),
        page.locator(".export-menu").getByRole("button", { name: format }).click(),
      ]);
      return { name: file.suggestedFilename(), text: fs.readFileSync(await file.path(), "utf8") };
    };
    const markdown = await download("Markdown");
    expect(markdown.name).toMatch(/\.md$/);
    expect(markdown.text).toContain("export this please");
    expect(markdown.text).toContain("You said: export this please");
    const json = await download("JSON");
    expect(json.name).toMatch(/\.json$/);
    const exported = JSON.parse(json.text) as { nexusConversation: number; messages: unknown[] };
    expect(exported.nexusConversation).toBe(1);
    expect(exported.messages).toHaveLength(2);

    await page.getByLabel("Import conversations").setInputFiles({
      name: json.name,
      mimeType: "application/json",
      buffer: Buffer.from(json.text),
    });
    await page.getByRole("status").filter({ hasText: "Imported 1 conversation." }).waitFor();
    await expect.poll(() => page.locator(".conversation-row").count()).toBe(2);
    await chat.lastAssistant(page).getByText("You said: export this please").waitFor();

    // ChatGPT's export format too; and a file that is neither is refused with the reason.
    const chatgpt = [
      {
        title: "From ChatGPT",
        create_time: 1_700_000_000,
        update_time: 1_700_000_100,
        current_node: "b",
        mapping: {
          a: {
            id: "a",
            parent: null,
            children: ["b"],
            message: {
              id: "a",
              author: { role: "user" },
              content: { content_type: "text", parts: ["hello from chatgpt"] },
              create_time: 1_700_000_000,
            },
          },
          b: {
            id: "b",
            parent: "a",
            children: [],
            message: {
              id: "b",
              author: { role: "assistant" },
              content: { content_type: "text", parts: ["hi there"] },
              create_time: 1_700_000_050,
            },
          },
        },
      },
    ];
    await page.getByLabel("Import conversations").setInputFiles({
      name: "conversations.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(chatgpt)),
    });
    await page.getByRole("status").filter({ hasText: "Imported 1 conversation." }).waitFor();
    await page.locator(".conversation-row", { hasText: "From ChatGPT" }).waitFor();
    await page.getByLabel("Import conversations").setInputFiles({
      name: "nonsense.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"hello": 1}'),
    });
    await page.getByRole("alert").filter({ hasText: "Import failed" }).waitFor();
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("shows a missing model, a rate limit and a provider failure with a way forward", async () => {
    const { page } = await harness.signedInPage();
    const cases = [
      { model: "double/no-such-model", kind: "model_missing", text: "model settings" },
      { model: "double/test-rate-limited", kind: "rate_limited", text: "Try again" },
      { model: "double/test-server-error", kind: "provider_down", text: "did not answer" },
    ];
    for (const { model, kind, text } of cases) {
      const created = await page.request.post(`${harness.url}/api/conversations`, { data: { model } });
      const { id } = (await created.json()) as { id: string };
      await page.goto(`${harness.url}/#/c/${id}`);
      await chat.send(page, "hello?");
      const notice = chat.lastAssistant(page).locator(".error-notice");
      await notice.waitFor({ timeout: 20_000 });
      const shown = { kind: await notice.getAttribute("data-error-kind"), text: await notice.textContent() };
      expect(shown, JSON.stringify(shown)).toMatchObject({ kind });
      expect(shown.text).toContain(text);
      await saveScreenshot(page, `error-${kind}`);
    }
    // The way forward for a missing model leads to the model settings.
    await chat.send(page, "again");
    await page.goto(`${harness.url}/#/`);
    const created = await page.request.post(`${harness.url}/api/conversations`, {
      data: { model: "double/no-such-model" },
    });
    await page.goto(`${harness.url}/#/c/${((await created.json()) as { id: string }).id}`);
    await chat.send(page, "hello?");
    await chat
      .lastAssistant(page)
      .getByRole("link", { name: /model settings/ })
      .click();
    await page.getByRole("heading", { name: "Providers" }).waitFor();
    await page.context().close();
  });

  it("says when to retry once the workspace's rate limit is reached", async () => {
    // A workspace of its own: the limit must not slow the other tests.
    const { page } = await harness.signedInPage({ workspace: "ai-workflow" });
    const limited = await page.request.put(`${harness.url}/api/gateway/limits`, {
      data: { requestsPerMinute: 1 },
    });
    expect(limited.status()).toBe(200);
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "first");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    await chat.send(page, "second");
    const notice = page.locator(".error-notice").last();
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.getAttribute("data-error-kind")).toBe("rate_limited");
    expect(await notice.textContent()).toMatch(/Try again in \d+ seconds \(at /);
    await saveScreenshot(page, "error-rate-limit-retry");
    await page.request.delete(`${harness.url}/api/gateway/limits`);
    await page.context().close();
  });

  it("pins, renames and deletes conversations from the sidebar", async () => {
    const { page, problems } = await harness.signedInPage();
    for (const title of ["Alpha", "Beta"]) {
      const created = await page.request.post(`${harness.url}/api/conversations`, {
        data: { model: "double/test-chat", title },
      });
      expect(created.status()).toBe(201);
    }
    await page.reload();
    const titles = () => page.locator(".conversation-row .conversation-title").allTextContents();
    await expect.poll(titles).toEqual(["Beta", "Alpha"]);

    const alpha = page.locator(".conversation-row", { hasText: "Alpha" });
    await alpha.hover();
    await alpha.getByRole("button", { name: "Pin Alpha" }).click();
    await expect.poll(titles).toEqual(["Alpha", "Beta"]);
    await alpha.getByRole("img", { name: "Pinned" }).waitFor();

    const beta = page.locator(".conversation-row", { hasText: "Beta" });
    await beta.hover();
    await beta.getByRole("button", { name: "Rename Beta" }).click();
    await page.getByRole("textbox", { name: "Conversation title" }).fill("Gamma");
    await page.getByRole("textbox", { name: "Conversation title" }).press("Enter");
    await expect.poll(titles).toEqual(["Alpha", "Gamma"]);

    await alpha.hover();
    await alpha.getByRole("button", { name: "Delete Alpha" }).click();
    await expect.poll(titles).toEqual(["Gamma"]);
    // Stored: a reload shows the same.
    await page.reload();
    await expect.poll(titles).toEqual(["Gamma"]);
    expect(problems.filter((problem) => problem.startsWith("dialog confirm:"))).toHaveLength(1);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("shows an unknown conversation as not found, with a way to a new chat", async () => {
    const { page } = await harness.signedInPage({ at: "#/c/conv_does_not_exist" });
    await page.getByRole("alert").waitFor();
    await page.getByRole("link", { name: "Start a new chat" }).click();
    await chat.composer(page).waitFor();
    await page.context().close();
  });
});
