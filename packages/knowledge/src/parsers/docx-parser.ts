import mammoth from "mammoth";
import { DocumentError, type DocumentParser } from "./document-parser.ts";
import { assertSafeZip } from "./zip-guard.ts";

export const docxParser: DocumentParser = {
  format: "docx",
  extensions: ["docx"],
  mimeTypes: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  doParse: async (data, { name }) => {
    await assertSafeZip(data, name);
    let text: string;
    try {
      text = (await mammoth.extractRawText({ buffer: data })).value;
    } catch (error) {
      throw new DocumentError(`${name} is not a readable Word document (${(error as Error).message})`);
    }
    return { sections: [{ text: text.replace(/\n{3,}/g, "\n\n").trim() }] };
  },
};
