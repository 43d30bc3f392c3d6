import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { decodeText } from "./decode-text.ts";
import type { DocumentParser } from "./document-parser.ts";

/** The page's main content (Readability, as Firefox's reader view), without menus and footers. */
export const htmlParser: DocumentParser = {
  format: "html",
  extensions: ["html", "htm", "xhtml"],
  mimeTypes: ["text/html", "application/xhtml+xml"],
  doParse: async (data, { name }) => {
    const { text: html } = decodeText(data, name);
    return htmlToText(html);
  },
};

export function htmlToText(html: string): { sections: Array<{ text: string }>; title?: string } {
  const { document } = parseHTML(html);
  for (const element of Array.from(document.querySelectorAll("script, style, noscript"))) element.remove();
  const title = document.querySelector("title")?.textContent?.trim() || undefined;
  const article = new Readability(document as unknown as Document, { charThreshold: 100 }).parse();
  const text = clean(
    article?.textContent?.trim() ? article.textContent : (parseHTML(html).document.body?.textContent ?? ""),
  );
  return { sections: [{ text }], ...(title ? { title } : {}) };
}

const clean = (text: string) =>
  text
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/\s*\n\s*(\n\s*)+/g, "\n\n")
    .trim();
