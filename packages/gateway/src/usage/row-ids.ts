import { randomFillSync } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
const idRandomBytes = 12;
const pool = Buffer.alloc(idRandomBytes * 512);
let offset = pool.length;

/**
 * Usage row ids in the format of core's `newId` (`<prefix>_<time base36><12 random chars>`), with
 * the random bytes drawn 6 KiB at a time: a row is written for every gateway request, and one
 * `randomBytes(12)` call each was ~2.5% of the gateway's CPU per request.
 */
export function newRowId(prefix: string): string {
  if (offset + idRandomBytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let random = "";
  for (let i = offset; i < offset + idRandomBytes; i++) random += alphabet[(pool[i] as number) % 36];
  offset += idRandomBytes;
  return `${prefix}_${timePart()}${random}`;
}

let lastMs = Number.NaN;
let lastTime = "";

/** The time part, made once per millisecond. */
function timePart(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = now.toString(36).padStart(9, "0");
  }
  return lastTime;
}
