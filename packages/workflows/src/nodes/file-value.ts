import { executeHttpRequest } from "../http/http-request.ts";

/**
 * A file as nodes hand it on in the variable pool (Dify's file object). Nexus carries the bytes
 * inline (`content_base64`, as http-request and tool nodes output them), or the text already
 * read (`text`), or a `remote_url` fetched through the SSRF guard when needed.
 */
export interface FileValue {
  type?: string;
  filename?: string;
  extension?: string;
  mime_type?: string;
  size?: number;
  transfer_method?: string;
  content_base64?: string;
  text?: string;
  url?: string;
  remote_url?: string;
}

/** A file's bytes with the name and type to send or parse it by. */
export interface FileContent {
  bytes: Buffer;
  filename: string;
  mimeType: string;
}

/** True for values that look like a file object (not a string, number or plain record of data). */
export function isFileValue(value: unknown): value is FileValue {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const file = value as FileValue;
  return (
    typeof file.content_base64 === "string" ||
    typeof file.text === "string" ||
    typeof file.remote_url === "string" ||
    (file.transfer_method === "remote_url" && typeof file.url === "string")
  );
}

const base64Pattern = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * The bytes of a file value. A local path is never read: run inputs come from API callers, and
 * a path would let them read the server's files.
 */
export async function readFileValue(
  value: unknown,
  options: { allowedHosts?: string[]; signal?: AbortSignal } = {},
): Promise<FileContent> {
  if (!isFileValue(value)) {
    throw new Error("the value is not a file (a file object with content_base64, text or remote_url)");
  }
  const filename = value.filename || "file";
  const mimeType = value.mime_type || "application/octet-stream";
  if (typeof value.content_base64 === "string") {
    if (!base64Pattern.test(value.content_base64))
      throw new Error(`the file '${filename}' is not valid base64`);
    return { bytes: Buffer.from(value.content_base64, "base64"), filename, mimeType };
  }
  if (typeof value.text === "string") {
    return { bytes: Buffer.from(value.text), filename, mimeType: value.mime_type || "text/plain" };
  }
  const url = (value.remote_url ?? value.url) as string;
  const response = await executeHttpRequest({ method: "get", url }, (text) => text, options);
  if (response.status_code >= 400) {
    throw new Error(`the file '${filename}' could not be fetched: HTTP ${response.status_code}`);
  }
  const fetched = response.files[0];
  return fetched
    ? {
        bytes: Buffer.from(fetched.content_base64, "base64"),
        filename: value.filename || fetched.filename,
        mimeType: value.mime_type || fetched.mime_type,
      }
    : {
        bytes: Buffer.from(response.body),
        filename,
        mimeType: value.mime_type || response.headers["content-type"] || "text/plain",
      };
}
