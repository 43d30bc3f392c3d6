import { parse } from "csv-parse/sync";
import { decodeText } from "./decode-text.ts";
import { DocumentError, type DocumentParser, type DocumentSection } from "./document-parser.ts";

/** One row as a record: `column: value` lines, so a chunk of rows reads like a list of facts. */
export function rowText(headers: string[], values: unknown[]): string {
  return headers
    .map((header, index) => [header, values[index]] as const)
    .filter(([, value]) => value !== undefined && value !== null && String(value).trim() !== "")
    .map(([header, value]) => `${header}: ${String(value).trim()}`)
    .join("\n");
}

export const csvParser: DocumentParser = {
  format: "csv",
  extensions: ["csv", "tsv"],
  mimeTypes: ["text/csv", "text/tab-separated-values"],
  doParse: async (data, { name }) => {
    const { text } = decodeText(data, name);
    let rows: string[][];
    try {
      rows = parse(text, {
        delimiter: name.toLowerCase().endsWith(".tsv") ? "\t" : [",", ";"],
        relax_column_count: true,
        skip_empty_lines: true,
        bom: true,
      }) as string[][];
    } catch (error) {
      throw new DocumentError(`${name} is not valid CSV (${(error as Error).message})`);
    }
    const [headerRow, ...records] = rows;
    if (!headerRow) throw new DocumentError(`${name} has no rows`);
    const headers = headerRow.map((header, index) => header.trim() || `column ${index + 1}`);
    const sections: DocumentSection[] = records
      .map((values, index) => ({ text: rowText(headers, values), metadata: { row: index + 2 } }))
      .filter((section) => section.text.length > 0);
    return { sections };
  },
};
