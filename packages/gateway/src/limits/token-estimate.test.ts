import { describe, expect, it } from "vitest";
import { budgetPeriod } from "./budget-period.ts";
import { estimatePromptTokens } from "./token-estimate.ts";

describe("estimatePromptTokens", () => {
  it("counts characters / 4 plus a few tokens per message and a flat charge per image", () => {
    expect(estimatePromptTokens({ model: "m", messages: [{ role: "user", content: "Hello there" }] })).toBe(
      7,
    );
    const withImage = estimatePromptTokens({
      model: "m",
      messages: [
        { role: "system", content: "x".repeat(400) },
        {
          role: "user",
          content: [
            { type: "text", text: "y".repeat(40) },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c", type: "function", function: { name: "find", arguments: "{}" } }],
        },
      ],
    });
    expect(withImage).toBe(Math.ceil((400 + 40 + 6) / 4) + 3 * 4 + 85);
  });

  it("counts token-id embedding inputs exactly and text inputs by characters", () => {
    expect(estimatePromptTokens({ model: "e", input: "abcdefgh" })).toBe(2);
    expect(estimatePromptTokens({ model: "e", input: ["abcd", "abcdefgh"] })).toBe(3);
    expect(estimatePromptTokens({ model: "e", input: [1, 2, 3] })).toBe(3);
    expect(estimatePromptTokens({ model: "e", input: [[1, 2], [3]] })).toBe(3);
  });
});

describe("budgetPeriod", () => {
  it("names the UTC day or month and when it ends, across year ends", () => {
    expect(budgetPeriod("day", Date.UTC(2024, 1, 29, 23, 59, 59))).toEqual({
      key: "2024-02-29",
      endsAt: Date.UTC(2024, 2, 1),
    });
    expect(budgetPeriod("month", Date.UTC(2025, 11, 31, 12))).toEqual({
      key: "2025-12",
      endsAt: Date.UTC(2026, 0, 1),
    });
  });
});
