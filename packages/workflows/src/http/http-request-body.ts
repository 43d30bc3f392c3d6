import { randomUUID } from "node:crypto";
import { HttpRequestError } from "./http-request-error.ts";
import type { HttpBodyItem, HttpRequestNodeData } from "./http-request-schema.ts";

export interface EncodedBody {
  bytes: Buffer;
  contentType: string | null;
}

/** A file sent in a request body: the binary body, or a form-data file field. */
export interface RequestFile {
  bytes: Buffer;
  filename: string;
  mimeType: string;
}

/** The files a body item's `file` selector names (one file variable, or every file of a list). */
export type RequestFileLookup = (selector: string[]) => RequestFile[];

/** "key: value" lines (headers, params, old-style form bodies), each side rendered. */
export function parseKeyValueLines(
  text: string | null | undefined,
  render: (text: string) => string,
): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of (text ?? "").split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const key = render(colon === -1 ? line : line.slice(0, colon)).trim();
    const value = colon === -1 ? "" : render(line.slice(colon + 1)).trim();
    if (key !== "") pairs.push([key, value]);
  }
  return pairs;
}

function textItems(
  data: string | HttpBodyItem[] | null | undefined,
  render: (text: string) => string,
): [string, string][] {
  if (typeof data === "string" || data === null || data === undefined)
    return parseKeyValueLines(data, render);
  return data.map((item) => {
    if (item.type === "file") {
      throw new HttpRequestError(
        "invalid",
        `file field '${item.key ?? ""}': files can only be sent in form-data and binary bodies`,
      );
    }
    return [render(item.key ?? ""), render(item.value ?? "")];
  });
}

function rawText(data: string | HttpBodyItem[] | null | undefined, render: (text: string) => string): string {
  if (typeof data === "string") return render(data);
  const item = (data ?? []).find((candidate) => candidate.type !== "file");
  if ((data ?? []).some((candidate) => candidate.type === "file")) {
    throw new HttpRequestError("invalid", "a file as the request body needs the binary body type");
  }
  return render(item?.value ?? "");
}

function filesOf(item: HttpBodyItem, lookup: RequestFileLookup | undefined): RequestFile[] {
  const selector = item.file ?? [];
  if (selector.length < 2) {
    throw new HttpRequestError("invalid", `file field '${item.key ?? ""}' names no file variable`);
  }
  if (!lookup)
    throw new HttpRequestError("unsupported", "file bodies need a workflow run to read files from");
  const files = lookup(selector);
  if (files.length === 0) {
    throw new HttpRequestError("invalid", `the file variable ${selector.join(".")} holds no file`);
  }
  return files;
}

/** A multipart header value: quotes escaped, line breaks dropped (they would start new headers). */
function headerText(text: string): string {
  return text.replace(/"/g, "%22").replace(/[\r\n]+/g, " ");
}

function encodeFormData(
  data: string | HttpBodyItem[] | null | undefined,
  render: (text: string) => string,
  lookup: RequestFileLookup | undefined,
): EncodedBody {
  const boundary = `----NexusFormBoundary${randomUUID().replace(/-/g, "")}`;
  const items: HttpBodyItem[] =
    typeof data === "string" || !data
      ? parseKeyValueLines(data, (text) => text).map(([key, value]) => ({ key, value, type: "text" }))
      : data;
  const parts: Buffer[] = [];
  for (const item of items) {
    const name = headerText(render(item.key ?? ""));
    if (item.type === "file") {
      for (const file of filesOf(item, lookup)) {
        const head =
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${headerText(file.filename)}"\r\n` +
          `Content-Type: ${headerText(file.mimeType)}\r\n\r\n`;
        parts.push(Buffer.from(head), file.bytes, Buffer.from("\r\n"));
      }
    } else {
      const value = render(item.value ?? "");
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
      );
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function encodeBinary(
  data: string | HttpBodyItem[] | null | undefined,
  lookup: RequestFileLookup | undefined,
) {
  const item = Array.isArray(data)
    ? data.find((candidate) => candidate.type === "file" || candidate.file)
    : undefined;
  if (!item) throw new HttpRequestError("invalid", "the binary body names no file variable");
  const files = filesOf({ ...item, key: item.key ?? "binary" }, lookup);
  if (files.length !== 1) {
    throw new HttpRequestError("invalid", `a binary body sends one file; the variable holds ${files.length}`);
  }
  const file = files[0] as RequestFile;
  return { bytes: file.bytes, contentType: file.mimeType || "application/octet-stream" };
}

/**
 * The request body as bytes plus the content type it implies (a header set by the user wins).
 * `files` reads the file variables that form-data file fields and binary bodies name.
 */
export function encodeBody(
  body: HttpRequestNodeData["body"],
  render: (text: string) => string,
  files?: RequestFileLookup,
): EncodedBody | null {
  if (!body || body.type === "none") return null;
  switch (body.type) {
    case "json": {
      const text = rawText(body.data, render);
      if (text.trim() !== "") {
        try {
          JSON.parse(text);
        } catch (error) {
          throw new HttpRequestError(
            "invalid",
            `the JSON body is not valid JSON: ${(error as Error).message}`,
          );
        }
      }
      return { bytes: Buffer.from(text), contentType: "application/json" };
    }
    case "raw-text":
      return { bytes: Buffer.from(rawText(body.data, render)), contentType: "text/plain" };
    case "x-www-form-urlencoded":
      return {
        bytes: Buffer.from(new URLSearchParams(textItems(body.data, render)).toString()),
        contentType: "application/x-www-form-urlencoded",
      };
    case "form-data":
      return encodeFormData(body.data, render, files);
    case "binary":
      return encodeBinary(body.data, files);
  }
}
