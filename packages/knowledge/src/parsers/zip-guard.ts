import { createInflateRaw } from "node:zlib";
import { DocumentError } from "./document-parser.ts";

/** Largest total a docx/xlsx may unpack to. */
export const maxUnzippedBytes = 200 * 1024 * 1024;
const maxEntries = 20_000;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
}

/**
 * Refuses a zip (docx and xlsx are zips) that unpacks to more than `limit` bytes in all, holds
 * too many entries, or uses ZIP64 — before a parser library inflates any of it. First the sizes
 * the central directory declares (cheap: catches honest bombs without inflating); then, because
 * a declared size is only a claim, every entry is inflated here as a stream and the bytes that
 * actually come out are counted, stopping as soon as the total passes the limit (memory stays at
 * one 64 KiB chunk). The parser's own inflation that follows is then known to be bounded.
 */
export async function assertSafeZip(data: Buffer, name: string, limit = maxUnzippedBytes): Promise<void> {
  const entries = readCentralDirectory(data, name);
  let declared = 0;
  for (const entry of entries) {
    declared += entry.declaredSize;
    if (entry.declaredSize === 0xffffffff || declared > limit) throw bomb(name, limit);
  }
  let inflated = 0;
  for (const entry of entries) {
    const packed = packedData(data, name, entry);
    if (entry.method === 0) inflated += packed.length;
    else if (entry.method === 8) inflated += await inflatedSize(packed, limit - inflated, name, limit);
    else
      throw new DocumentError(
        `${name} uses a zip compression method (${entry.method}) that is not supported`,
      );
    if (inflated > limit) throw bomb(name, limit);
  }
}

function readCentralDirectory(data: Buffer, name: string): ZipEntry[] {
  if (data.length < 22 || data.readUInt32LE(0) !== 0x04034b50)
    throw new DocumentError(`${name} is not a valid ${extension(name)} file (not a zip archive)`);
  let end = -1;
  for (let offset = data.length - 22; offset >= Math.max(0, data.length - 65_557); offset--) {
    if (data.readUInt32LE(offset) === 0x06054b50) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new DocumentError(`${name} is a damaged zip archive (no central directory)`);
  const count = data.readUInt16LE(end + 10);
  const directoryOffset = data.readUInt32LE(end + 16);
  if (count > maxEntries || count === 0xffff || directoryOffset === 0xffffffff) {
    throw new DocumentError(`${name} holds too many parts to unpack safely`);
  }
  const entries: ZipEntry[] = [];
  let offset = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== 0x02014b50) {
      throw new DocumentError(`${name} is a damaged zip archive`);
    }
    const nameLength = data.readUInt16LE(offset + 28);
    entries.push({
      name: data.toString("utf8", offset + 46, offset + 46 + nameLength),
      method: data.readUInt16LE(offset + 10),
      compressedSize: data.readUInt32LE(offset + 20),
      declaredSize: data.readUInt32LE(offset + 24),
      localOffset: data.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + data.readUInt16LE(offset + 30) + data.readUInt16LE(offset + 32);
  }
  return entries;
}

/** An entry's compressed bytes, located through its local header. */
function packedData(data: Buffer, name: string, entry: ZipEntry): Buffer {
  const local = entry.localOffset;
  if (local + 30 > data.length || data.readUInt32LE(local) !== 0x04034b50)
    throw new DocumentError(`${name} is a damaged zip archive (${entry.name})`);
  const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
  if (start + entry.compressedSize > data.length)
    throw new DocumentError(`${name} is a damaged zip archive (${entry.name} is cut short)`);
  return data.subarray(start, start + entry.compressedSize);
}

/** Bytes a raw deflate stream inflates to; rejects as soon as it passes `budget`. */
function inflatedSize(packed: Buffer, budget: number, name: string, limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
    let size = 0;
    let settled = false;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(size);
    };
    inflater.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) {
        finish(bomb(name, limit));
        inflater.destroy();
      }
    });
    inflater.on("end", () => finish(undefined));
    inflater.on("error", (error) =>
      finish(new DocumentError(`${name} is a damaged zip archive (${error.message})`)),
    );
    inflater.end(packed);
  });
}

const bomb = (name: string, limit: number) =>
  new DocumentError(`${name} unpacks to more than ${mb(limit)} (refused as a zip bomb)`);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const extension = (name: string) => name.split(".").pop()?.toLowerCase() ?? "office";
