import type { ChunkDraft, Chunker } from "./chunker.ts";
import { splitText } from "./split-text.ts";

/**
 * Small chunks are matched, their parent is returned (as Dify's parent-child mode): precise
 * matching, enough context for the answer.
 */
export const parentChildChunker: Chunker = {
  strategy: "parent-child",
  doChunk: async (sections, settings) => {
    const drafts: ChunkDraft[] = [];
    for (const section of sections) {
      const parents = splitText(section.text, settings.parentSize, 0, settings.separators);
      parents.forEach((parent, parentIndex) => {
        for (const child of splitText(parent, settings.size, settings.overlap, settings.separators)) {
          drafts.push({
            content: child,
            parentContent: parent,
            ...(section.page ? { page: section.page } : {}),
            metadata: { ...section.metadata, parent: parentIndex },
          });
        }
      });
    }
    return drafts;
  },
};
