import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifactsDirectory,
  type ForeignSite,
  startForeignSite,
  startWidgetHarness,
  type WidgetHarness,
} from "./widget-harness.ts";

// The widget on a plain HTML page of another site (another localhost port), in real Chromium,
// against a real Nexus whose agent answers through the OpenAI test double (`test-dribble`
// streams a word every 50 ms, slow enough to watch and to stop).
let harness: WidgetHarness;
let site: ForeignSite;
let strangerSite: ForeignSite;
let token: string;

/** A page whose own CSS would wreck any widget it could reach. */
const hostilePage = (scriptTag: string) => `<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Acme shop</title>
<style>
  * { color: #00ff00 !important; font-size: 40px !important; }
  button, textarea, section { display: none !important; }
  div { border: 5px dashed red !important; }
</style></head>
<body><h1>Acme shop</h1><p>Welcome to our store.</p>${scriptTag}</body></html>`;

const scriptTag = (attributes: string) =>
  `<script src="${harness.nexus.url}/widget.js" data-token="${token}" ${attributes} async></script>`;

beforeAll(async () => {
  harness = await startWidgetHarness();
  site = await startForeignSite();
  strangerSite = await startForeignSite();
  const agent = await harness.admin("/api/agents", {
    name: "Acme helper",
    avatar: "🛒",
    model: "double/test-dribble",
    openingMessage: "Hi! Ask me anything about your order.",
    suggestedQuestions: ["Where is my order?", "How do returns work?"],
  });
  expect(agent.status).toBe(201);
  const created = await harness.admin("/api/widget/tokens", {
    agentId: ((await agent.json()) as { id: string }).id,
    allowedOrigins: [site.origin],
    theme: { primaryColor: "#0f766e", title: "Acme support", position: "right" },
  });
  expect(created.status).toBe(201);
  token = ((await created.json()) as { token: string }).token;
});

afterAll(async () => {
  await site?.close();
  await strangerSite?.close();
  await harness?.close();
});

/** A fresh browser context (its own localStorage: a new visitor) at `url`, collecting problems. */
async function openPage(url: string, viewport = { width: 1200, height: 800 }) {
  const context = await harness.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  const console: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => console.push(message.text()));
  await page.goto(url);
  return { page, problems, console };
}

const widget = (page: Page) => {
  const root = page.locator("nexus-chat-widget");
  return {
    root,
    bubble: root.locator(".bubble"),
    panel: root.locator(".panel"),
    input: root.getByLabel("Your message"),
    stop: root.getByRole("button", { name: "Stop" }),
    messages: root.locator(".message"),
    lastAssistant: root.locator(".message.assistant").last(),
    lastUser: root.locator(".message.user").last(),
  };
};

/** The element focused inside the widget's shadow root, described. */
const focusedInWidget = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector("nexus-chat-widget")?.shadowRoot?.activeElement;
    return active ? `${active.tagName.toLowerCase()}.${active.className}` : null;
  });

describe("the widget on a foreign page", () => {
  it("opens, streams an answer, stops it, renders an XSS payload as text and keeps the page's CSS out", async () => {
    const { page, problems } = await openPage(
      site.page("/", hostilePage(scriptTag('data-position="left" data-color="#6d28d9" data-title="Ask us"'))),
    );
    const view = widget(page);
    await view.bubble.waitFor();
    // The tag's data-* win over the token's theme; the page's `button { display: none }` does not reach in.
    expect(await view.bubble.isVisible()).toBe(true);
    const bubbleStyle = await view.bubble.evaluate((button) => {
      const style = getComputedStyle(button);
      return { background: style.backgroundColor, left: button.getBoundingClientRect().left };
    });
    expect(bubbleStyle.background).toBe("rgb(109, 40, 217)");
    expect(bubbleStyle.left).toBeLessThan(100);
    expect(await view.bubble.getAttribute("aria-expanded")).toBe("false");

    await view.bubble.click();
    await view.panel.waitFor({ state: "visible" });
    expect(await view.bubble.getAttribute("aria-expanded")).toBe("true");
    expect(await view.root.locator("header h2").textContent()).toBe("Ask us");
    expect(await view.messages.first().textContent()).toBe("Hi! Ask me anything about your order.");
    expect(await view.root.locator(".suggestions button").allTextContents()).toEqual([
      "Where is my order?",
      "How do returns work?",
    ]);
    expect(await focusedInWidget(page)).toBe("textarea.");
    const fontSize = await view.messages.first().evaluate((node) => getComputedStyle(node).fontSize);
    expect(fontSize).toBe("14px");

    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> ${Array.from(
      { length: 40 },
      (_, index) => `word${index}`,
    ).join(" ")}`;
    await view.input.fill(payload);
    await view.input.press("Enter");
    await view.stop.waitFor({ state: "visible" });
    expect(await view.lastUser.textContent()).toBe(payload);

    // Tokens arrive a few at a time: the answer grows while we watch.
    const lengths: number[] = [];
    for (let sample = 0; sample < 6; sample++) {
      lengths.push(((await view.lastAssistant.textContent()) ?? "").length);
      await page.waitForTimeout(120);
    }
    expect(new Set(lengths.filter((length) => length > 0)).size).toBeGreaterThan(1);
    expect(lengths.at(-1)).toBeGreaterThan(lengths.find((length) => length > 0) ?? 0);

    await view.stop.click();
    await view.lastAssistant.locator(".note").waitFor();
    expect(await view.lastAssistant.getAttribute("data-status")).toBe("stopped");
    expect(await view.lastAssistant.locator(".note").textContent()).toBe("Stopped");
    const answer = (await view.lastAssistant.evaluate((node) => node.firstChild?.textContent)) ?? "";
    expect(answer.length).toBeGreaterThan(0);
    expect(`You said: ${payload}`.startsWith(answer)).toBe(true);
    expect(answer.length).toBeLessThan(`You said: ${payload}`.length);
    await view.root.getByRole("button", { name: "Send" }).waitFor();

    // Neither the question nor its echo became markup.
    expect(await view.root.locator("img, script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: path.join(artifactsDirectory, "widget-foreign-page.png") });

    // Esc closes the panel and gives focus back to the bubble.
    await view.input.press("Escape");
    await view.panel.waitFor({ state: "hidden" });
    expect(await focusedInWidget(page)).toBe("button.bubble");
    expect(await view.bubble.getAttribute("aria-expanded")).toBe("false");

    // A reload shows the visitor's conversation again.
    await page.reload();
    await widget(page).bubble.click();
    await widget(page).lastUser.waitFor();
    expect(await widget(page).lastUser.textContent()).toBe(payload);
    expect(await widget(page).lastAssistant.getAttribute("data-status")).toBe("stopped");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("answers a suggested question to the end, and works by keyboard alone", async () => {
    const { page, problems } = await openPage(site.page("/keyboard", hostilePage(scriptTag(""))));
    const view = widget(page);
    await view.bubble.waitFor();
    // The token's theme: on the right, its color and title.
    expect(await view.bubble.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe(
      "rgb(15, 118, 110)",
    );
    expect(await view.bubble.evaluate((button) => button.getBoundingClientRect().right)).toBeGreaterThan(
      1100,
    );
    await page.keyboard.press("Tab");
    expect(await focusedInWidget(page)).toBe("button.bubble");
    await page.keyboard.press("Enter");
    await view.panel.waitFor({ state: "visible" });
    expect(await view.root.locator("header h2").textContent()).toBe("Acme support");
    await view.root.getByRole("button", { name: "Where is my order?" }).click();
    // The greeting, then the answer.
    const answer = view.root.locator('.message.assistant[data-status="complete"]').nth(1);
    await answer.waitFor({ timeout: 15_000 });
    expect(await answer.textContent()).toBe("You said: Where is my order?");
    expect(await view.root.locator(".suggestions").isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("resumes a reply still being written after a reload", async () => {
    // Its own agent on `test-held`, whose reply stops after a few words until the test lets it go
    // on: the reply is still being written after the reload however slow the machine is.
    const agent = await harness.admin("/api/agents", { name: "Held", model: "double/test-held" });
    const created = await harness.admin("/api/widget/tokens", {
      agentId: ((await agent.json()) as { id: string }).id,
      allowedOrigins: [site.origin],
    });
    const heldToken = ((await created.json()) as { token: string }).token;
    const tag = `<script src="${harness.nexus.url}/widget.js" data-token="${heldToken}" async></script>`;
    const { page, problems } = await openPage(site.page("/resume", hostilePage(tag)));
    const view = widget(page);
    await view.bubble.click();
    const question = Array.from({ length: 30 }, (_, index) => `part${index}`).join(" ");
    await view.input.fill(question);
    await view.input.press("Enter");
    await expect
      .poll(async () => ((await view.lastAssistant.textContent()) ?? "").length)
      .toBeGreaterThan(15);
    await page.reload();
    const resumed = widget(page);
    await resumed.bubble.click();
    await resumed.stop.waitFor({ state: "visible" });
    expect(await resumed.lastAssistant.getAttribute("data-status")).not.toBe("complete");
    expect(harness.upstream.releaseHeld()).toBe(1);
    const answer = resumed.root.locator('.message.assistant[data-status="complete"]').last();
    await answer.waitFor({ timeout: 15_000 });
    expect(await answer.textContent()).toBe(`You said: ${question}`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("fills a phone's screen", async () => {
    const { page, problems } = await openPage(site.page("/phone", hostilePage(scriptTag(""))), {
      width: 390,
      height: 760,
    });
    const view = widget(page);
    await view.bubble.click();
    await view.panel.waitFor({ state: "visible" });
    const box = await view.panel.boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 760 });
    await page.screenshot({ path: path.join(artifactsDirectory, "widget-mobile.png") });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows nothing on a site the token does not allow", async () => {
    const { page, console } = await openPage(strangerSite.page("/", hostilePage(scriptTag(""))));
    await expect
      .poll(() => console.some((line) => line.includes("Nexus widget: could not start")))
      .toBe(true);
    expect(await page.locator("nexus-chat-widget").count()).toBe(0);
    await page.context().close();
  });
});
