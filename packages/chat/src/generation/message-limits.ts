import { NexusError } from "@nexus/core";
import type { MessagePart } from "../conversations/message-part.ts";

/** docs/chat-api.md "Limits". The HTTP body limit of the message routes is set from these too. */
export const messageLimits = {
  contentCharacters: 100_000,
  /** One image, as its `data:` URL. */
  imageBytes: 5 * 1024 * 1024,
  /** All text files of one message together. */
  textFileCharacters: 200_000,
  /** A whole request to a message route. */
  bodyBytes: 8 * 1024 * 1024,
} as const;

/** What a client may attach to a message (tool calls and results come only from generation). */
export type AttachmentPart = Extract<MessagePart, { type: "image" } | { type: "text_file" }>;

const imageDataUrl = /^data:image\/(png|jpeg|jpg|gif|webp|bmp|avif);base64,[A-Za-z0-9+/=\s]+$/;

/**
 * Throws a 413 saying which limit a message passes, or a 400 for an image that is not a
 * base64 `data:image/...` URL.
 */
export function assertMessageWithinLimits(content: string, parts: readonly AttachmentPart[]): void {
  if (content.length > messageLimits.contentCharacters) {
    throw new NexusError(
      "payload_too_large",
      `The message is ${content.length} characters; the limit is ${messageLimits.contentCharacters}`,
      { param: "content" },
    );
  }
  let textFileCharacters = 0;
  for (const [index, part] of parts.entries()) {
    if (part.type === "image") {
      if (part.dataUrl.length > messageLimits.imageBytes) {
        throw new NexusError(
          "payload_too_large",
          `Image ${part.name ? `'${part.name}' ` : ""}is ${megabytes(part.dataUrl.length)} MB as a data URL; images are limited to ${megabytes(messageLimits.imageBytes)} MB each`,
          { param: `parts.${index}.dataUrl` },
        );
      }
      if (!imageDataUrl.test(part.dataUrl.slice(0, 64)) || !part.dataUrl.includes(";base64,")) {
        throw new NexusError(
          "invalid_request",
          "An image must be a base64 data URL: data:image/<png|jpeg|gif|webp>;base64,...",
          { param: `parts.${index}.dataUrl` },
        );
      }
    } else {
      textFileCharacters += part.text.length;
      if (textFileCharacters > messageLimits.textFileCharacters) {
        throw new NexusError(
          "payload_too_large",
          `Text files are inlined into the prompt up to ${messageLimits.textFileCharacters} characters per message; '${part.name}' brings this message to ${textFileCharacters}. Attach a shorter file (documents belong in a knowledge base)`,
          { param: `parts.${index}.text` },
        );
      }
    }
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, "");
}
