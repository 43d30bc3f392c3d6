import type { ChunkDraft, Chunker } from "./chunker.ts";
import { splitText } from "./split-text.ts";

/**
 * Heading-aware: a chunk never spans two sections; each chunk starts with its heading path
 * (`Guide > Install > Linux`) so a chunk deep in a section still matches the section's topic.
 */
export const markdownChunker: Chunker = {
  strategy: "markdown",
  doChunk: async (sections, settings) => {
    const drafts: ChunkDraft[] = [];
    for (const section of sections) {
      const path: string[] = [];
      let body: string[] = [];
      const flush = () => {
        const text = body.join("\n").trim();
        body = [];
        if (!text) return;
        const headings = path.filter(Boolean);
        const prefix = headings.length > 0 ? `${headings.join(" > ")}\n\n` : "";
        for (const content of splitText(text, settings.size, settings.overlap, settings.separators)) {
          drafts.push({
            content: prefix + content,
            ...(section.page ? { page: section.page } : {}),
            metadata: { ...section.metadata, headings },
          });
        }
      };
      let fenced = false;
      for (const line of section.text.split(/\r?\n/)) {
        if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
        const heading = fenced ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
        if (heading) {
          flush();
          const level = (heading[1] as string).length;
          path.length = level - 1;
          path[level - 1] = (heading[2] as string).trim();
        } else body.push(line);
      }
      flush();
    }
    return drafts;
  },
};
