import fs from "node:fs";
import { z } from "zod";
import { DocumentError } from "../parsers/document-parser.ts";
import type { ChunkDraft, Chunker } from "./chunker.ts";
import { splitText } from "./split-text.ts";

const prompt = fs.readFileSync(new URL("./qa-prompt.md", import.meta.url), "utf8");
const pairsSchema = z.object({
  pairs: z.array(z.object({ question: z.string().min(1), answer: z.string().min(1) })).min(1),
});

/** The question-answer pairs in a model's reply, or undefined when it holds none usable. */
export function parseQaPairs(reply: string): Array<{ question: string; answer: string }> | undefined {
  const parsed = pairsSchema.safeParse(jsonIn(reply));
  return parsed.success ? parsed.data.pairs : undefined;
}

/** The first JSON object in a model's reply (models wrap JSON in prose or code fences). */
function jsonIn(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/**
 * QA generation (as FastGPT's QA mode): a model writes question-answer pairs for each general
 * chunk; each pair is a chunk whose question and answer are indexed, with the source text as
 * its parent. A chunk the model answers with no usable JSON is kept as plain text.
 */
export const qaChunker: Chunker = {
  strategy: "qa",
  doChunk: async (sections, settings, context) => {
    if (!settings.qaModel) throw new DocumentError("QA chunking needs a model: set chunking.qaModel");
    if (!context.gateway) throw new DocumentError("QA chunking needs the gateway");
    const sources = sections.flatMap((section) =>
      splitText(section.text, settings.size, settings.overlap, settings.separators).map((text) => ({
        text,
        section,
      })),
    );
    const drafts: ChunkDraft[] = [];
    for (const [index, { text, section }] of sources.entries()) {
      const completion = await context.gateway.generate(
        {
          model: settings.qaModel,
          messages: [{ role: "user", content: `${prompt}${text}` }],
          temperature: 0,
        },
        { ...context.embedContext },
      );
      const reply = completion.choices[0]?.message?.content;
      const pairs = parseQaPairs(typeof reply === "string" ? reply : "");
      const base = { ...(section.page ? { page: section.page } : {}), parentContent: text };
      if (pairs) {
        for (const pair of pairs) {
          drafts.push({
            ...base,
            content: `${pair.question}\n${pair.answer}`,
            metadata: { ...section.metadata, question: pair.question, answer: pair.answer },
          });
        }
      } else drafts.push({ ...base, content: text, metadata: { ...section.metadata, qa: "unparsed" } });
      context.onProgress?.(index + 1, sources.length);
    }
    return drafts;
  },
};
