import { describe, expect, it } from "vitest";
import { createPromptPrefixCache } from "./prompt-prefix-cache.ts";

const messages = (system: string, user: string) => [
  { role: "system", content: system },
  { role: "user", content: user },
];

describe("prompt prefix cache model", () => {
  it("reports the tokens of the longest prefix shared with an earlier prompt", () => {
    const cache = createPromptPrefixCache();
    const system = "You are a careful assistant who answers in full sentences.";
    expect(cache.cachedTokens(messages(system, "first question"))).toBe(0);
    const second = messages(system, "second question");
    const cached = cache.cachedTokens(second);
    const total = JSON.stringify(second).split(/\s+/).length;
    // Everything up to the user's text: the system prompt's words and the JSON around them.
    expect(cached).toBe(JSON.stringify(messages(system, "")).split(/\s+/).length - 1);
    expect(cached).toBeLessThan(total);
    expect(cache.cachedTokens(second)).toBe(total);
    expect(cache.cachedTokens(messages("Something else entirely.", "first question"))).toBe(0);
  });

  it("forgets the oldest prompts past its capacity", () => {
    const cache = createPromptPrefixCache(2);
    cache.cachedTokens(messages("alpha prompt words", "q"));
    cache.cachedTokens(messages("beta prompt words", "q"));
    cache.cachedTokens(messages("gamma prompt words", "q"));
    expect(cache.cachedTokens(messages("alpha prompt words", "q"))).toBe(0);
  });
});
