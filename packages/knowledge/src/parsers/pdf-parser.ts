import { extractText, getDocumentProxy } from "unpdf";
import { DocumentError, type DocumentParser } from "./document-parser.ts";

/** A PDF's text layer, one section per page so chunks cite their page. */
export const pdfParser: DocumentParser = {
  format: "pdf",
  extensions: ["pdf"],
  mimeTypes: ["application/pdf"],
  doParse: async (data, { name }) => {
    if (data.subarray(0, 1024).indexOf("%PDF-") < 0) throw new DocumentError(`${name} is not a PDF file`);
    let pages: string[];
    try {
      const pdf = await getDocumentProxy(new Uint8Array(data), {
        isEvalSupported: false,
        stopAtErrors: true,
      });
      pages = (await extractText(pdf, { mergePages: false })).text as string[];
    } catch (error) {
      const kind = (error as { name?: string }).name;
      if (kind === "PasswordException")
        throw new DocumentError(`${name} is encrypted with a password; upload it unlocked`);
      throw new DocumentError(`${name} is not a readable PDF (${(error as Error).message})`);
    }
    const sections = pages
      .map((text, index) => ({ text: text.trim(), page: index + 1 }))
      .filter((section) => section.text.length > 0);
    if (sections.length === 0) {
      throw new DocumentError(`${name} has no text layer (a scanned PDF); it needs OCR`, "needs_ocr");
    }
    return { sections };
  },
};
