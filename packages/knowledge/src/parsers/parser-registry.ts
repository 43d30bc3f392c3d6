import { codeParser } from "./code-parser.ts";
import { csvParser } from "./csv-parser.ts";
import { DocumentError, type DocumentParser } from "./document-parser.ts";
import { docxParser } from "./docx-parser.ts";
import { htmlParser } from "./html-parser.ts";
import { jsonParser } from "./json-parser.ts";
import { markdownParser } from "./markdown-parser.ts";
import { pdfParser } from "./pdf-parser.ts";
import { textParser } from "./text-parser.ts";
import { xlsxParser } from "./xlsx-parser.ts";

/** Every document parser; adding a format is a file and a line here. */
export const documentParsers: readonly DocumentParser[] = [
  textParser,
  markdownParser,
  htmlParser,
  pdfParser,
  docxParser,
  csvParser,
  xlsxParser,
  jsonParser,
  codeParser,
];

const imageSignatures: Array<[string, number[]]> = [
  ["png", [0x89, 0x50, 0x4e, 0x47]],
  ["jpeg", [0xff, 0xd8, 0xff]],
  ["gif", [0x47, 0x49, 0x46, 0x38]],
  ["tiff", [0x49, 0x49, 0x2a, 0x00]],
  ["tiff", [0x4d, 0x4d, 0x00, 0x2a]],
  ["webp", [0x52, 0x49, 0x46, 0x46]],
];
const imageExtensions = new Set(["png", "jpg", "jpeg", "gif", "tif", "tiff", "webp", "bmp", "heic"]);

/**
 * The parser for a file: by its content where that is certain (a PDF, an image), else by the
 * name's extension, else by MIME type, else plain text (which refuses binary content).
 */
export function parserFor(name: string, mimeType: string | undefined, data: Buffer): DocumentParser {
  const extension = name.includes(".") ? (name.split(".").pop() as string).toLowerCase() : "";
  if (
    imageExtensions.has(extension) ||
    mimeType?.startsWith("image/") ||
    imageSignatures.some(([, bytes]) => bytes.every((byte, index) => data[index] === byte))
  ) {
    throw new DocumentError(`${name} is an image; it needs OCR to be searchable`, "needs_ocr");
  }
  if (data.subarray(0, 5).toString("latin1") === "%PDF-") return pdfParser;
  const byExtension = documentParsers.find((parser) => parser.extensions.includes(extension));
  if (byExtension) return byExtension;
  const baseMime = mimeType?.split(";")[0]?.trim().toLowerCase();
  const byMime = baseMime ? documentParsers.find((parser) => parser.mimeTypes.includes(baseMime)) : undefined;
  return byMime ?? textParser;
}

/** Parses a file with its parser; always throws DocumentError for an unreadable file. */
export async function parseDocument(name: string, mimeType: string | undefined, data: Buffer) {
  const parser = parserFor(name, mimeType, data);
  try {
    const parsed = await parser.doParse(data, { name });
    const text = parsed.sections
      .map((section) => section.text)
      .join("\n\n")
      .trim();
    if (!text) throw new DocumentError(`${name} holds no text`);
    return { ...parsed, format: parser.format, text };
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    throw new DocumentError(`${name} could not be read as ${parser.format}: ${(error as Error).message}`);
  }
}
