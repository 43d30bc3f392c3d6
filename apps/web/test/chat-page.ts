import type { Locator, Page } from "playwright-core";

/** What the chat tests do on the page, by the names a person sees. */
export const chat = {
  composer: (page: Page) => page.getByRole("textbox", { name: "Message" }),
  modelPicker: (page: Page) => page.getByRole("combobox", { name: "Model" }),
  assistantMessages: (page: Page) => page.locator("article.message-assistant"),
  userMessages: (page: Page) => page.locator("article.message-user"),
  lastAssistant: (page: Page) => page.locator("article.message-assistant").last(),
  lastUser: (page: Page) => page.locator("article.message-user").last(),

  /** Opens a new chat on a model. */
  async newChat(page: Page, model: string): Promise<void> {
    await page.getByRole("button", { name: "+ New chat" }).click();
    await chat.modelPicker(page).selectOption(model);
  },

  /** Types a message, presses Enter and waits for it (and its reply) to show in the list. */
  async send(page: Page, text: string): Promise<void> {
    const known = await chat
      .userMessages(page)
      .evaluateAll((articles) => articles.map((article) => article.getAttribute("data-message-id")));
    const posted = page.waitForResponse(
      (response) =>
        response.request().method() === "POST" &&
        /^\/api\/conversations\/[^/]+\/messages$/.test(new URL(response.url()).pathname),
    );
    await chat.composer(page).fill(text);
    await chat.composer(page).press("Enter");
    // Until the new message shows, "the last reply" is still the previous one, done already.
    if (!(await posted).ok()) return;
    await page.waitForFunction((seen) => {
      const users = document.querySelectorAll("article.message-user");
      const last = users[users.length - 1];
      // A message shows the moment it is sent (data-pending) and gets its id from the server.
      return (
        last !== undefined &&
        !last.hasAttribute("data-pending") &&
        !seen.includes(last.getAttribute("data-message-id"))
      );
    }, known);
  },

  /** The text shown for a message. */
  async textOf(message: Locator): Promise<string> {
    return ((await message.locator(".message-content").textContent()) ?? "").trim();
  },

  async waitForStatus(message: Locator, status: string): Promise<void> {
    await message.and(message.page().locator(`[data-status="${status}"]`)).waitFor({ timeout: 20_000 });
  },

  /** The open conversation's id, from the address. */
  conversationId(page: Page): string {
    const match = /#\/c\/([^/]+)/.exec(new URL(page.url()).hash);
    if (!match?.[1]) throw new Error(`no conversation open at ${page.url()}`);
    return decodeURIComponent(match[1]);
  },
};

/**
 * Starts recording, inside the page, every text the newest reply shows (a MutationObserver sees
 * each render, however slow the test's own round trips are); `texts()` returns them.
 */
export async function recordReplyTexts(page: Page): Promise<{ texts(): Promise<string[]> }> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __replyTexts: string[] }).__replyTexts = seen;
    new MutationObserver(() => {
      const replies = document.querySelectorAll("article.message-assistant .message-content");
      const text = (replies[replies.length - 1]?.textContent ?? "").trim();
      if (seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return {
    texts: () => page.evaluate(() => (window as unknown as { __replyTexts: string[] }).__replyTexts),
  };
}

/** `count` words: "w1 w2 …", each a chunk of the test double's stream. */
export function words(count: number, prefix = "w"): string {
  return Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`).join(" ");
}
