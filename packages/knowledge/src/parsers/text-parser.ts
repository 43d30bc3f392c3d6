import { decodeText } from "./decode-text.ts";
import type { DocumentParser } from "./document-parser.ts";

export const textParser: DocumentParser = {
  format: "text",
  extensions: ["txt", "text", "log", "rst"],
  mimeTypes: ["text/plain"],
  doParse: async (data, { name }) => {
    const { text, encoding } = decodeText(data, name);
    return { sections: [{ text, metadata: { encoding } }] };
  },
};
