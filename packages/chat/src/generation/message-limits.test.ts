import { describe, expect, it } from "vitest";
import { assertMessageWithinLimits, messageLimits } from "./message-limits.ts";

describe("assertMessageWithinLimits", () => {
  const image = (size: number) => `data:image/png;base64,${"A".repeat(size)}`;

  it("accepts messages at the limits", () => {
    expect(() =>
      assertMessageWithinLimits("x".repeat(messageLimits.contentCharacters), [
        { type: "image", dataUrl: image(messageLimits.imageBytes - 30) },
        { type: "text_file", name: "a.txt", text: "y".repeat(messageLimits.textFileCharacters / 2) },
        { type: "text_file", name: "b.txt", text: "y".repeat(messageLimits.textFileCharacters / 2) },
      ]),
    ).not.toThrow();
  });

  it("answers 413 past a limit, saying which", () => {
    const failure = (content: string, parts: Parameters<typeof assertMessageWithinLimits>[1]) => {
      try {
        assertMessageWithinLimits(content, parts);
      } catch (error) {
        return error as { status: number; message: string };
      }
      throw new Error("accepted");
    };
    expect(failure("x".repeat(100_001), [])).toMatchObject({
      status: 413,
      message: "The message is 100001 characters; the limit is 100000",
    });
    expect(failure("", [{ type: "image", dataUrl: image(6 * 1024 * 1024), name: "big.png" }])).toMatchObject({
      status: 413,
      message: expect.stringContaining(
        "Image 'big.png' is 6 MB as a data URL; images are limited to 5 MB each",
      ),
    });
    expect(
      failure("", [
        { type: "text_file", name: "a.txt", text: "y".repeat(150_000) },
        { type: "text_file", name: "b.txt", text: "y".repeat(50_001) },
      ]),
    ).toMatchObject({
      status: 413,
      message: expect.stringContaining("'b.txt' brings this message to 200001"),
    });
    expect(failure("", [{ type: "image", dataUrl: "data:text/html;base64,AAAA" }])).toMatchObject({
      status: 400,
    });
    expect(failure("", [{ type: "image", dataUrl: "data:image/svg+xml,<svg/>" }])).toMatchObject({
      status: 400,
    });
  });
});
