import type { ChunkDraft, Chunker } from "./chunker.ts";
import { splitText } from "./split-text.ts";

/** Separators, size and overlap, within each section (a PDF page, a record) so pages stay citable. */
export const generalChunker: Chunker = {
  strategy: "general",
  doChunk: async (sections, settings) => {
    const drafts: ChunkDraft[] = [];
    for (const section of sections) {
      for (const content of splitText(section.text, settings.size, settings.overlap, settings.separators)) {
        drafts.push({
          content,
          ...(section.page ? { page: section.page } : {}),
          metadata: { ...section.metadata },
        });
      }
    }
    return drafts;
  },
};
