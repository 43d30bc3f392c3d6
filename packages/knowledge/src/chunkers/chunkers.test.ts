import { estimateTextTokens } from "@nexus/core";
import { describe, expect, it } from "vitest";
import { chunkingSettingsSchema } from "../knowledge-settings.ts";
import type { ChunkerContext } from "./chunker.ts";
import { generalChunker } from "./general-chunker.ts";
import { markdownChunker } from "./markdown-chunker.ts";
import { parentChildChunker } from "./parent-child-chunker.ts";
import { splitText } from "./split-text.ts";

const context: ChunkerContext = {
  embedContext: { workspaceId: "w", apiKeyId: null, signal: new AbortController().signal },
};
const settings = (value: object) => chunkingSettingsSchema.parse(value);
const sentences = Array.from(
  { length: 40 },
  (_, index) => `Sentence number ${index} talks about airfoil ${index}.`,
).join(" ");

describe("chunkers", () => {
  it("general: chunks stay within size, overlap repeats the end of the previous chunk, nothing is lost", async () => {
    const chunks = splitText(sentences, 40, 15);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(estimateTextTokens(chunk)).toBeLessThanOrEqual(40);
    for (let index = 1; index < chunks.length; index++) {
      const previousLast = (chunks[index - 1] as string).split(". ").at(-1) as string;
      expect(chunks[index]).toContain(previousLast.replace(/\.$/, ""));
    }
    for (let index = 0; index < 40; index++)
      expect(chunks.some((chunk) => chunk.includes(`airfoil ${index}.`))).toBe(true);
  });

  it("general: keeps a PDF section's page on its chunks", async () => {
    const drafts = await generalChunker.doChunk([{ text: "page two text", page: 2 }], settings({}), context);
    expect(drafts).toEqual([{ content: "page two text", page: 2, metadata: {} }]);
  });

  it("markdown: never crosses a heading and prefixes the heading path", async () => {
    const text =
      "# Guide\n\nIntro.\n\n## Install\n\nRun the installer.\n\n```\n# not a heading\n```\n\n## Use\n\nOpen the app.";
    const drafts = await markdownChunker.doChunk([{ text }], settings({ strategy: "markdown" }), context);
    expect(drafts.map((draft) => draft.content)).toEqual([
      "Guide\n\nIntro.",
      "Guide > Install\n\nRun the installer.\n\n```\n# not a heading\n```",
      "Guide > Use\n\nOpen the app.",
    ]);
    expect(drafts[1]?.metadata.headings).toEqual(["Guide", "Install"]);
  });

  it("parent-child: small children carry their parent", async () => {
    const drafts = await parentChildChunker.doChunk(
      [{ text: sentences }],
      settings({ strategy: "parent-child", size: 30, overlap: 0, parentSize: 120 }),
      context,
    );
    const parents = new Set(drafts.map((draft) => draft.parentContent));
    expect(parents.size).toBeGreaterThan(1);
    expect(parents.size).toBeLessThan(drafts.length);
    for (const draft of drafts) expect(draft.parentContent).toContain(draft.content);
  });

  it("estimates CJK text at one token a character, so its chunks stay within the size too", async () => {
    expect(estimateTextTokens("wing flutter")).toBe(3);
    expect(estimateTextTokens("机翼颤振试验")).toBe(6);
    expect(estimateTextTokens("Mach 2 の衝撃波")).toBe(6);
    const text = "机翼颤振试验在高速风洞中进行。".repeat(40);
    const chunks = splitText(text, 50, 0);
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    for (const chunk of chunks) expect(estimateTextTokens(chunk)).toBeLessThanOrEqual(50);
    expect(chunks.join("")).toBe(text);
  });

  it("refuses an overlap as large as the chunk", () => {
    expect(() => settings({ size: 100, overlap: 100 })).toThrow(/overlap/);
  });
});

describe("QA pairs from a model's reply", () => {
  it("reads JSON wrapped in prose or a code fence, and refuses anything else", async () => {
    const { parseQaPairs } = await import("./qa-chunker.ts");
    expect(
      parseQaPairs(
        'Here you go:\n```json\n{"pairs":[{"question":"What is Mach 1?","answer":"The speed of sound."}]}\n```',
      ),
    ).toEqual([{ question: "What is Mach 1?", answer: "The speed of sound." }]);
    expect(parseQaPairs("You said: something")).toBeUndefined();
    expect(parseQaPairs('{"echo":"text"}')).toBeUndefined();
    expect(parseQaPairs('{"pairs":[]}')).toBeUndefined();
  });
});
