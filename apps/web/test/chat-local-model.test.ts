import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./chat-page.ts";
import { saveScreenshot, startWebHarness, unexpectedProblems, type WebHarness } from "./web-harness.ts";

// A chat with a real GGUF model (../shared/models, random weights: its words are nonsense) run
// by node-llama-cpp inside Nexus: the reply streams into the page token by token.
let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness({ withLocalModel: true });
});

afterAll(async () => {
  await harness?.close();
});

describe("local model", () => {
  it("streams a reply from the local GGUF model", { timeout: 90_000 }, async () => {
    const { page, problems } = await harness.signedInPage();
    // An agent bounds the reply: a random model would otherwise write until its context is full.
    const created = await page.request.post(`${harness.url}/api/agents`, {
      data: { name: "Tiny", avatar: "🐭", model: "local/tiny", params: { max_tokens: 40, temperature: 0.8 } },
    });
    expect(created.status()).toBe(201);
    const agent = (await created.json()) as { id: string };
    await page.goto(`${harness.url}/#/new/${agent.id}`);
    await expect.poll(() => chat.modelPicker(page).inputValue()).toBe("local/tiny");
    await chat.send(page, "Hello, tiny model");
    const reply = chat.lastAssistant(page);
    await reply.waitFor();
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    while ((await reply.getAttribute("data-status")) === "generating" && Date.now() < deadline) {
      seen.add(await chat.textOf(reply));
      await page.waitForTimeout(5);
    }
    expect(await reply.getAttribute("data-status")).toBe("complete");
    const final = await chat.textOf(reply);
    expect(final.length).toBeGreaterThan(0);
    // More than one state was shown on the way (streamed, not dropped in at the end).
    const partial = [...seen].filter((text) => text !== "" && text !== final);
    console.log(`local model: ${partial.length} partial states before ${final.length} characters`);
    expect(partial.length).toBeGreaterThanOrEqual(1);
    expect(await reply.locator(".message-meta").textContent()).toContain("local/tiny");
    await saveScreenshot(page, "chat-local-model");
    expect(unexpectedProblems(problems)).toEqual([]);
    await page.context().close();
  });
});
