import ExcelJS from "exceljs";
import { rowText } from "./csv-parser.ts";
import { DocumentError, type DocumentParser, type DocumentSection } from "./document-parser.ts";
import { assertSafeZip } from "./zip-guard.ts";

/** Each sheet's first row names the columns; every later row is a record. */
export const xlsxParser: DocumentParser = {
  format: "xlsx",
  extensions: ["xlsx"],
  mimeTypes: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  doParse: async (data, { name }) => {
    await assertSafeZip(data, name);
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(data as unknown as ArrayBuffer);
    } catch (error) {
      throw new DocumentError(`${name} is not a readable Excel workbook (${(error as Error).message})`);
    }
    const sections: DocumentSection[] = [];
    for (const sheet of workbook.worksheets) {
      let headers: string[] | undefined;
      sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (!headers) {
          headers = values.map((value, index) => value || `column ${index + 1}`);
          return;
        }
        const text = rowText(headers, values);
        if (text) sections.push({ text, metadata: { sheet: sheet.name, row: rowNumber } });
      });
    }
    return { sections };
  },
};

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    const cell = value as { text?: string; result?: unknown; richText?: Array<{ text: string }> };
    if (cell.richText) return cell.richText.map((part) => part.text).join("");
    if (cell.text !== undefined) return String(cell.text);
    if (cell.result !== undefined) return cellText(cell.result);
    return "";
  }
  return String(value);
}
