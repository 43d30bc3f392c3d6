import { DocumentError } from "./document-parser.ts";

/**
 * Text of a file whose encoding nobody told us: UTF-8 (with or without BOM), UTF-16 by its BOM,
 * else Windows-1252 (what Latin-1 files in the wild nearly always are). A file with NUL bytes or
 * many control characters is binary whatever its name says.
 */
export function decodeText(data: Buffer, name: string): { text: string; encoding: string } {
  if (data.length === 0) throw new DocumentError(`${name} is empty`);
  if (data[0] === 0xff && data[1] === 0xfe)
    return { text: new TextDecoder("utf-16le").decode(data.subarray(2)), encoding: "utf-16le" };
  if (data[0] === 0xfe && data[1] === 0xff)
    return { text: new TextDecoder("utf-16be").decode(data.subarray(2)), encoding: "utf-16be" };
  const sample = data.subarray(0, 8192);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) throw new DocumentError(`${name} is a binary file, not text`);
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  if (control > sample.length * 0.1) throw new DocumentError(`${name} is a binary file, not text`);
  try {
    return {
      text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(data),
      encoding: "utf-8",
    };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(data), encoding: "windows-1252" };
  }
}
