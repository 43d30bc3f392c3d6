import { documentExtractorDataSchema } from "../node-schemas/flow-node-schemas.ts";
import { type FileContent, isFileValue, readFileValue } from "./file-value.ts";
import type { DocumentTextExtractor } from "./knowledge-retriever.ts";
import { defineNode, selectorOf } from "./node-definition.ts";

const textExtensions = new Set([
  "txt",
  "md",
  "markdown",
  "csv",
  "json",
  "html",
  "htm",
  "xml",
  "yaml",
  "yml",
  "log",
]);

/** Without the knowledge parsers: text files as UTF-8, anything else refused with the reason. */
function plainText(file: FileContent): string {
  const extension = file.filename.includes(".") ? (file.filename.split(".").pop() ?? "").toLowerCase() : "";
  if (textExtensions.has(extension) || file.mimeType.startsWith("text/")) return file.bytes.toString("utf8");
  throw new Error(
    `Cannot extract text from '${file.filename}': only plain text files can be read (no document parsers are set up)`,
  );
}

async function textOf(
  value: unknown,
  extract: DocumentTextExtractor | undefined,
  options: { allowedHosts?: string[]; signal: AbortSignal },
): Promise<string> {
  if (isFileValue(value) && typeof value.text === "string") return value.text;
  const file = await readFileValue(value, options);
  // Dify files carry the extension apart from the name; parsers pick the format by the name.
  const extension = isFileValue(value) ? value.extension : undefined;
  if (extension && !file.filename.includes(".")) {
    file.filename += extension.startsWith(".") ? extension : `.${extension}`;
  }
  if (!extract) return plainText(file);
  try {
    return await extract(file);
  } catch (error) {
    throw new Error(`Cannot extract text from '${file.filename}': ${(error as Error).message}`);
  }
}

/**
 * Reads the text of documents: with the knowledge parsers (the server's `knowledge.extractText`)
 * PDF, DOCX, XLSX, HTML, Markdown, CSV, JSON and code; without them plain text only. One file
 * gives `text` as a string, a list of files a list of strings.
 */
export const documentExtractorNode = defineNode({
  type: "document-extractor",
  dataSchema: documentExtractorDataSchema,
  run: async ({ node, pool, services, signal }) => {
    const selector = selectorOf(node.data.variable_selector);
    const value = selector ? pool.get(selector) : undefined;
    if (value === undefined || value === null) throw new Error("The document extractor's input is empty");
    const extract = services.knowledge?.extractText;
    const options = { ...(services.allowedHosts ? { allowedHosts: services.allowedHosts } : {}), signal };
    const text = Array.isArray(value)
      ? await Promise.all(value.map((file) => textOf(file, extract, options)))
      : await textOf(value, extract, options);
    return { outputs: { text } };
  },
});
