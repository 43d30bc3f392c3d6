import type { IncomingHttpHeaders } from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { HttpRequestError } from "./http-request-error.ts";

/** A binary response body, handed on as the node's `files` output (Dify puts files there, not in `body`). */
export interface HttpResponseFile {
  type: "image" | "audio" | "video" | "document" | "custom";
  filename: string;
  extension: string;
  mime_type: string;
  size: number;
  transfer_method: "inline";
  /** The file's bytes, base64. */
  content_base64: string;
}

const textTypes =
  /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|x-ndjson|[\w.+-]+\+(json|xml)))/i;

export function decodeResponse(
  raw: Buffer,
  headers: IncomingHttpHeaders,
  url: URL,
): { text: string; files: HttpResponseFile[] } {
  const bytes = decompress(raw, headers["content-encoding"]);
  const contentType = (headers["content-type"] ?? "").toLowerCase();
  const mime = contentType.split(";")[0]?.trim() ?? "";
  const disposition = headers["content-disposition"] ?? "";
  const charset = contentType.match(/charset="?([\w-]+)"?/)?.[1];
  if (mime === "" || textTypes.test(mime) || (charset && !/attachment/i.test(disposition))) {
    return { text: decodeText(bytes, charset), files: [] };
  }
  const filename =
    disposition.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i)?.[1] ??
    url.pathname.split("/").pop() ??
    "file";
  const extension = filename.includes(".") ? `.${filename.split(".").pop()}` : "";
  return {
    text: "",
    files: [
      {
        type: fileType(mime),
        filename: decodeURIComponent(filename) || "file",
        extension,
        mime_type: mime,
        size: bytes.length,
        transfer_method: "inline",
        content_base64: bytes.toString("base64"),
      },
    ],
  };
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return bytes.toString("utf8");
  }
}

function decompress(bytes: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || bytes.length === 0) return bytes;
  try {
    const limit = { maxOutputLength: 64 * 1024 * 1024 };
    if (/gzip/i.test(encoding)) return gunzipSync(bytes, limit);
    if (/deflate/i.test(encoding)) return inflateSync(bytes, limit);
    if (/br/i.test(encoding)) return brotliDecompressSync(bytes, limit);
  } catch (error) {
    throw new HttpRequestError(
      "connection",
      `the response's ${encoding} body could not be decoded: ${(error as Error).message}`,
    );
  }
  return bytes;
}

function fileType(mime: string): HttpResponseFile["type"] {
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("audio/")) return "audio";
  if (mime.startsWith("video/")) return "video";
  if (/pdf|msword|officedocument|opendocument|rtf|epub/.test(mime)) return "document";
  return "custom";
}
