import { describe, expect, it } from "vitest";
import { cleanTitle, firstWords } from "./conversation-title.ts";

describe("titles", () => {
  it("takes the model's first line without labels, quotes or end punctuation", () => {
    expect(cleanTitle('"Trip to Lisbon."')).toBe("Trip to Lisbon");
    expect(cleanTitle("Title: **Sourdough basics**\nHere is why…")).toBe("Sourdough basics");
    expect(cleanTitle("  «Les impôts en France»  ")).toBe("Les impôts en France");
    expect(cleanTitle("")).toBe("");
    expect(cleanTitle("x".repeat(200))).toHaveLength(80);
  });

  it("falls back to the first words of the message", () => {
    expect(firstWords("  How do I   bake bread?  ")).toBe("How do I bake bread?");
    expect(firstWords("one two three four five six seven eight nine ten")).toBe(
      "one two three four five six seven eight…",
    );
    expect(firstWords("")).toBe("");
  });
});
