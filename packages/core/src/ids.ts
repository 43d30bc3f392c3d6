import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * A sortable, prefixed id: `<prefix>_<time base36><random>`, e.g. `key_lq2m3x8f0a9s7d6f5g4h`.
 * Time first so ids sort by creation in any database; the prefix says what the id names.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, "0");
  const bytes = randomBytes(12);
  let random = "";
  for (const byte of bytes) random += alphabet[byte % alphabet.length];
  return `${prefix}_${time}${random}`;
}
