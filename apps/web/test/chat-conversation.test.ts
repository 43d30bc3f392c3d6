import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, recordReplyTexts, words } from "./chat-page.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// Chatting in real Chromium against a real server whose upstream is the OpenAI test double:
// `double/test-dribble` streams "You said: <text>" one word per 50 ms chunk.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

describe("chat", () => {
  it("streams a reply token by token, then titles the conversation in the sidebar", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-dribble");
    const question = words(12);
    const recording = await recordReplyTexts(page);
    await chat.send(page, question);
    expect(await chat.composer(page).inputValue()).toBe("");
    const reply = chat.lastAssistant(page);
    await chat.waitForStatus(reply, "complete");
    expect(await chat.textOf(reply)).toBe(`You said: ${question}`);
    // Seen growing: several different partial texts, each a beginning of the whole.
    const partial = (await recording.texts()).filter(
      (text) => text !== "" && text !== `You said: ${question}`,
    );
    expect(partial.length).toBeGreaterThanOrEqual(4);
    for (const text of partial) expect(`You said: ${question}`.startsWith(text)).toBe(true);
    expect(await chat.textOf(chat.lastUser(page))).toBe(question);

    // The URL names the conversation; the sidebar lists it with the title the model wrote.
    const id = chat.conversationId(page);
    const row = page.locator(`[data-conversation-id="${id}"]`);
    await row.waitFor();
    await expect.poll(async () => (await row.textContent())?.trim()).not.toBe("New chat");
    await saveScreenshot(page, "chat-streamed");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("stops a reply with the Stop button and with Esc, keeping what was written", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-dribble");
    const question = words(80);
    await chat.send(page, question);
    const reply = chat.lastAssistant(page);
    await expect.poll(async () => (await chat.textOf(reply)).split(" ").length).toBeGreaterThan(4);
    await page.getByRole("button", { name: "Stop" }).click();
    await chat.waitForStatus(reply, "stopped");
    const kept = await chat.textOf(reply);
    expect(`You said: ${question}`.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(`You said: ${question}`.length);
    await reply.getByText("Stopped").waitFor();
    // Stopped on the server too: nothing more is written.
    await page.waitForTimeout(300);
    const stored = await page.request.get(`${harness.url}/api/conversations/${chat.conversationId(page)}`);
    const { messages } = (await stored.json()) as { messages: Array<{ status: string; content: string }> };
    expect(messages.at(-1)?.status).toBe("stopped");
    expect(messages.at(-1)?.content.trim()).toBe(kept);

    await chat.send(page, words(80, "x"));
    const second = chat.lastAssistant(page);
    await expect.poll(async () => (await chat.textOf(second)).split(" ").length).toBeGreaterThan(3);
    await page.keyboard.press("Escape");
    await chat.waitForStatus(second, "stopped");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("regenerates a reply and edits a question into branches, and switches between them", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "first question");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    await chat.send(page, "second question");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");

    // Regenerate: a second version of the last reply.
    await chat.lastAssistant(page).getByRole("button", { name: "Regenerate" }).click();
    const replySwitcher = chat.lastAssistant(page).locator(".branch-position");
    await expect.poll(() => replySwitcher.textContent()).toBe("2 / 2");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    expect(await chat.textOf(chat.lastAssistant(page))).toBe("You said: second question");
    await chat.lastAssistant(page).getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => replySwitcher.textContent()).toBe("1 / 2");

    // Edit the first question: a new branch with its own reply; the old one keeps its own.
    const firstQuestion = chat.userMessages(page).first();
    await firstQuestion.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("textbox", { name: "Edit message" }).fill("edited question");
    await page.getByRole("button", { name: "Save and send" }).click();
    await expect.poll(() => chat.userMessages(page).count()).toBe(1);
    expect(await chat.textOf(chat.userMessages(page).first())).toBe("edited question");
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    expect(await chat.textOf(chat.lastAssistant(page))).toBe("You said: edited question");
    const questionSwitcher = chat.userMessages(page).first().locator(".branch-position");
    expect(await questionSwitcher.textContent()).toBe("2 / 2");
    await saveScreenshot(page, "chat-branches");

    await chat.userMessages(page).first().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => chat.userMessages(page).count()).toBe(2);
    expect(await chat.textOf(chat.userMessages(page).first())).toBe("first question");
    expect(await chat.textOf(chat.lastUser(page))).toBe("second question");
    // The branch is stored: a reload shows the same one.
    await page.reload();
    await expect.poll(() => chat.userMessages(page).count()).toBe(2);
    expect(await chat.userMessages(page).first().locator(".branch-position").textContent()).toBe("1 / 2");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("resumes a reply after a reload mid-stream, with nothing lost or doubled", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-dribble");
    const question = words(50);
    await chat.send(page, question);
    await expect
      .poll(async () => (await chat.textOf(chat.lastAssistant(page))).split(" ").length)
      .toBeGreaterThan(5);
    const before = await chat.textOf(chat.lastAssistant(page));
    await page.reload();
    const reply = chat.lastAssistant(page);
    await reply.waitFor();
    // It picks up where it was (the snapshot), still generating, and finishes.
    expect((await chat.textOf(reply)).length).toBeGreaterThanOrEqual(before.length);
    expect(await reply.getAttribute("data-status")).toBe("generating");
    await saveScreenshot(page, "chat-resumed");
    await chat.waitForStatus(reply, "complete");
    expect(await chat.textOf(reply)).toBe(`You said: ${question}`);
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });

  it("rates and copies a reply", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, "rate me");
    const reply = chat.lastAssistant(page);
    await chat.waitForStatus(reply, "complete");
    await reply.getByRole("button", { name: "Good answer" }).click();
    expect(await reply.getByRole("button", { name: "Good answer" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    await reply.getByRole("button", { name: "Copy message" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("You said: rate me");
    // Stored: a reload shows the thumb still pressed.
    await expect
      .poll(async () => {
        const answer = await page.request.get(
          `${harness.url}/api/conversations/${chat.conversationId(page)}`,
        );
        const { messages } = (await answer.json()) as { messages: Array<{ feedback?: { rating: string } }> };
        return messages.at(-1)?.feedback?.rating;
      })
      .toBe("up");
    await page.reload();
    await chat.lastAssistant(page).getByRole("button", { name: "Good answer", pressed: true }).waitFor();
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });
});
