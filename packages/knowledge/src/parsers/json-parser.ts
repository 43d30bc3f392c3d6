import { decodeText } from "./decode-text.ts";
import { DocumentError, type DocumentParser, type DocumentSection } from "./document-parser.ts";

/** A JSON value as `path: value` lines, so keys stay next to their values in a chunk. */
function flatten(value: unknown, path: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) flatten(item, `${path}[${index}]`, lines);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) flatten(item, path ? `${path}.${key}` : key, lines);
  } else lines.push(path ? `${path}: ${String(value)}` : String(value));
}

const recordText = (value: unknown) => {
  const lines: string[] = [];
  flatten(value, "", lines);
  return lines.join("\n");
};

/** JSON: an array's items are records; JSON Lines: each line is one. */
export const jsonParser: DocumentParser = {
  format: "json",
  extensions: ["json", "jsonl", "ndjson"],
  mimeTypes: ["application/json", "application/x-ndjson", "application/jsonl"],
  doParse: async (data, { name }) => {
    const { text } = decodeText(data, name);
    let records: unknown[];
    try {
      if (/\.(jsonl|ndjson)$/i.test(name)) {
        records = text
          .split(/\r?\n/)
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line));
      } else {
        const parsed = JSON.parse(text) as unknown;
        records = Array.isArray(parsed) ? parsed : [parsed];
      }
    } catch (error) {
      throw new DocumentError(`${name} is not valid JSON (${(error as Error).message})`);
    }
    const sections: DocumentSection[] = records
      .map((record, index) => ({ text: recordText(record), metadata: { record: index } }))
      .filter((section) => section.text.length > 0);
    return { sections };
  },
};
