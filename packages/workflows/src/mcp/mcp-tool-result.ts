/** A file a tool returned (image or audio content), shaped like the http-request node's files. */
export interface McpToolFile {
  type: "image" | "audio" | "custom";
  filename: string;
  extension: string;
  mime_type: string;
  size: number;
  transfer_method: "inline";
  content_base64: string;
}

/** A tool call's result as Dify's tool node outputs it. */
export interface McpToolOutput {
  text: string;
  json: unknown[];
  files: McpToolFile[];
}

interface ContentBlock {
  type?: string;
  text?: string;
  data?: string;
  mimeType?: string;
  resource?: { uri?: string; text?: string; blob?: string; mimeType?: string };
}

function fileOf(data: string, mimeType: string, index: number): McpToolFile {
  const subtype = mimeType.split("/")[1]?.split(/[;+]/)[0] ?? "bin";
  const kind = mimeType.startsWith("image/") ? "image" : mimeType.startsWith("audio/") ? "audio" : "custom";
  return {
    type: kind,
    filename: `tool-output-${index + 1}.${subtype}`,
    extension: `.${subtype}`,
    mime_type: mimeType,
    size: Buffer.from(data, "base64").length,
    transfer_method: "inline",
    content_base64: data,
  };
}

/**
 * Text blocks join into `text` (as Dify does), JSON-looking text and `structuredContent` go to
 * `json`, image and audio blocks and blob resources become `files`.
 */
export function toolOutputOf(result: { content?: unknown; structuredContent?: unknown }): McpToolOutput {
  const texts: string[] = [];
  const json: unknown[] = [];
  const files: McpToolFile[] = [];
  for (const block of (Array.isArray(result.content) ? result.content : []) as ContentBlock[]) {
    const text = block.type === "text" ? block.text : block.resource?.text;
    if (typeof text === "string") {
      texts.push(text);
      if (/^\s*[[{]/.test(text)) {
        try {
          json.push(JSON.parse(text));
        } catch {
          // Text that only looks like JSON stays text.
        }
      }
    }
    if ((block.type === "image" || block.type === "audio") && block.data) {
      files.push(fileOf(block.data, block.mimeType ?? "application/octet-stream", files.length));
    }
    if (block.resource?.blob) {
      files.push(
        fileOf(block.resource.blob, block.resource.mimeType ?? "application/octet-stream", files.length),
      );
    }
  }
  if (result.structuredContent !== undefined && result.structuredContent !== null) {
    json.splice(0, json.length, result.structuredContent);
  }
  return { text: texts.join("\n"), json, files };
}
