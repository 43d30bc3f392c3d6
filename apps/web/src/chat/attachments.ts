import type { AttachmentPart } from "../chat-types.ts";

/** The server's limits (docs/chat-api.md), checked here too so a person hears at once. */
export const imageLimitBytes = 5 * 1024 * 1024;
export const textFileLimitCharacters = 200_000;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/** A file as a message part: images as data URLs, anything else as text; or why it cannot be. */
export async function attachmentOf(file: File): Promise<AttachmentPart> {
  if (file.type.startsWith("image/")) {
    if (file.size > imageLimitBytes) {
      throw new Error(`${file.name} is ${megabytes(file.size)}; images can be up to 5 MB.`);
    }
    return { type: "image", dataUrl: await readAsDataUrl(file), name: file.name };
  }
  // Checked before reading, so a huge file is not pulled into memory just to be refused.
  if (file.size > textFileLimitCharacters * 4) {
    throw new Error(
      `${file.name} is ${megabytes(file.size)}; text files can be up to ${textFileLimitCharacters.toLocaleString("en")} characters.`,
    );
  }
  const text = await file.text();
  if (text.includes("\u0000")) {
    throw new Error(
      `${file.name} is not a text file; attach images or text files (documents go to knowledge bases).`,
    );
  }
  if (text.length > textFileLimitCharacters) {
    throw new Error(
      `${file.name} has ${text.length.toLocaleString("en")} characters; text files can be up to ${textFileLimitCharacters.toLocaleString("en")}.`,
    );
  }
  return { type: "text_file", name: file.name, text };
}

/** An image URL that is safe to put in `<img src>`: only data URLs of images. */
export function isImageDataUrl(url: string): boolean {
  return /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]*$/i.test(url);
}
