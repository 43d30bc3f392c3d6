import { decodeText } from "./decode-text.ts";
import type { DocumentParser } from "./document-parser.ts";

/** Markdown stays markdown: the heading-aware chunker reads its headings. */
export const markdownParser: DocumentParser = {
  format: "markdown",
  extensions: ["md", "markdown", "mdx"],
  mimeTypes: ["text/markdown"],
  doParse: async (data, { name }) => {
    const { text } = decodeText(data, name);
    const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
    return { sections: [{ text }], ...(title ? { title } : {}) };
  },
};
