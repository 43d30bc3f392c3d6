/** A part of a parsed document: a PDF page, a spreadsheet row, a JSON record, or the whole text. */
export interface DocumentSection {
  text: string;
  /** 1-based page of a PDF. */
  page?: number;
  /** Kept on the chunks cut from this section (sheet and row, record index …). */
  metadata?: Record<string, unknown>;
}

export interface ParsedDocument {
  sections: DocumentSection[];
  /** Title found in the document (HTML title, first heading), if any. */
  title?: string;
}

/**
 * Why a document cannot be indexed, said to its owner. `needs_ocr`: it holds only images (a
 * scan, a photo); the media capability's OCR will take these over.
 */
export class DocumentError extends Error {
  readonly status: "failed" | "needs_ocr";
  constructor(message: string, status: "failed" | "needs_ocr" = "failed") {
    super(message);
    this.name = "DocumentError";
    this.status = status;
  }
}

/** Turns one file format into text sections. One file per format, listed in parser-registry.ts. */
export interface DocumentParser {
  /** Short name shown with the document (`pdf`, `docx` …). */
  readonly format: string;
  /** Lower-case file name extensions, without the dot. */
  readonly extensions: readonly string[];
  /** MIME types this parser takes when the name has no known extension. */
  readonly mimeTypes: readonly string[];
  /** Parses the file; throws DocumentError for a file it cannot read (corrupt, encrypted, binary). */
  doParse(data: Buffer, options: { name: string }): Promise<ParsedDocument>;
}
