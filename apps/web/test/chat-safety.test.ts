import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./chat-page.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// Known script-injection payloads typed by a person; the OpenAI test double answers "You said:
// <the text>", so each one is also rendered as model output. Nothing may run: no dialog, no
// `window.__xss`, no script, frame, handler or javascript: URL in the page.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
});

afterAll(async () => {
  await harness?.close();
});

const payloads = [
  "<script>window.__xss=1;alert(1)</script>",
  '<img src=x onerror="window.__xss=2;alert(2)">',
  "[click me](javascript:window.__xss=3;alert(3))",
  '<svg onload="window.__xss=4;alert(4)"><circle r="5"/></svg>',
  '<iframe srcdoc="<script>parent.__xss=5;alert(5)</script>"></iframe>',
  '<a href="javascript:window.__xss=6;alert(6)">html link</a>',
  "$<img src=x onerror=window.__xss=7;alert(7)>$",
  "$$\\href{javascript:window.__xss=8;alert(8)}{math link}$$",
  "![image](javascript:window.__xss=9;alert(9))",
  '<details open ontoggle="window.__xss=10;alert(10)"><summary>x</summary></details>',
  "[entity](&#106;avascript:window.__xss=11;alert(11))",
  "[mixed case](JaVaScRiPt:window.__xss=12;alert(12))",
  "[data url](data:text/html,<script>alert(13)</script>)",
  "<style>body{display:none!important}</style>",
  '<div style="position:fixed;inset:0;background:red" onclick="window.__xss=14">cover</div>',
  '<object data="javascript:window.__xss=15"></object><embed src="javascript:window.__xss=16">',
];

const mermaidPayload = [
  "",
  "```mermaid",
  "graph TD",
  '  A["<img src=x onerror=window.__xss=20;alert(20)>"] --> B["<script>window.__xss=21</script>"]',
  '  click A "javascript:window.__xss=22;alert(22)"',
  "  click B callback",
  "```",
].join("\n");

async function assertNothingRan(page: Page, problems: string[]): Promise<void> {
  // Click every link in every message: a surviving javascript: URL would run now.
  const links = page.locator(".message-content a");
  for (let index = 0; index < (await links.count()); index += 1) {
    const link = links.nth(index);
    const href = (await link.getAttribute("href")) ?? "";
    expect(href.trim().toLowerCase()).not.toMatch(/^(javascript|data|vbscript):/);
    if (href === "") await link.click({ modifiers: ["Control"] }).catch(() => {});
  }
  await page
    .locator(".message-content")
    .first()
    .click({ position: { x: 5, y: 5 } });
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(unexpectedProblems(problems)).toEqual([]);
  const dangerous = await page.evaluate(() => {
    const content = Array.from(document.querySelectorAll(".message-content"));
    const found: string[] = [];
    for (const element of content) {
      for (const node of Array.from(element.querySelectorAll("*"))) {
        const tag = node.tagName.toLowerCase();
        if (["script", "iframe", "object", "embed", "style", "form", "svg"].includes(tag)) found.push(tag);
        for (const attribute of Array.from(node.attributes)) {
          if (attribute.name.startsWith("on")) found.push(`${tag}[${attribute.name}]`);
          if (/^\s*(javascript|vbscript):/i.test(attribute.value)) found.push(`${tag}[${attribute.name}=js]`);
        }
      }
    }
    return found;
  });
  expect(dangerous).toEqual([]);
  // The page is still all there (no style injection hid it).
  expect(await page.evaluate(() => getComputedStyle(document.body).display)).not.toBe("none");
}

describe("safety of rendered messages", () => {
  it("runs none of the payloads, from the person or from the model", { timeout: 90_000 }, async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    await chat.send(page, payloads.join("\n\n"));
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    await chat.send(page, mermaidPayload);
    await chat.waitForStatus(chat.lastAssistant(page), "complete");
    for (const payload of payloads.slice(0, 4)) {
      await chat.send(page, payload);
      await chat.waitForStatus(chat.lastAssistant(page), "complete");
    }
    // The payloads are shown as text, not dropped silently.
    expect(await chat.textOf(chat.userMessages(page).first())).toContain(
      "<script>window.__xss=1;alert(1)</script>",
    );
    // Let a lazy Mermaid render have its chance to misbehave.
    await page.waitForTimeout(1_500);
    await saveScreenshot(page, "xss-payloads");
    await assertNothingRan(page, problems);

    // Again after a reload: stored messages render the same way.
    await page.reload();
    await chat.lastAssistant(page).waitFor();
    await page.waitForTimeout(1_000);
    await assertNothingRan(page, problems);
    await page.context().close();
  });

  it("still renders tables, highlighted code with a copy button, math and Mermaid diagrams", async () => {
    const { page, problems } = await harness.signedInPage();
    await chat.newChat(page, "double/test-chat");
    const markdown = [
      "",
      "| name | value |",
      "| --- | --- |",
      "| pi | 3.14 |",
      "",
      "```js",
      "const answer = 42;",
      "```",
      "",
      "Inline $E = mc^2$ and display:",
      "",
      "$$",
      "\\int_0^1 x^2 \\, dx = \\frac{1}{3}",
      "$$",
      "",
      "```mermaid",
      "graph TD",
      "  Start --> Stop",
      "```",
    ].join("\n");
    await chat.send(page, markdown);
    const reply = chat.lastAssistant(page);
    await chat.waitForStatus(reply, "complete");
    await reply.locator("table td", { hasText: "3.14" }).waitFor();
    await reply.locator(".code-block code .hljs-keyword", { hasText: "const" }).waitFor();
    await reply.locator(".katex").first().waitFor();
    expect(await reply.locator(".katex-display").count()).toBe(1);
    await reply.locator(".mermaid-diagram img").waitFor({ timeout: 15_000 });
    expect(await reply.locator(".mermaid-diagram img").getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    await reply.locator(".code-block").first().getByRole("button", { name: "Copy code" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("const answer = 42;");
    await saveScreenshot(page, "markdown-rendering");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });
});
