import { decodeText } from "./decode-text.ts";
import type { DocumentParser } from "./document-parser.ts";

const languages: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  py: "python",
  go: "go",
  rs: "rust",
  java: "java",
  kt: "kotlin",
  c: "c",
  h: "c",
  cpp: "cpp",
  hpp: "cpp",
  cs: "csharp",
  rb: "ruby",
  php: "php",
  swift: "swift",
  sh: "shell",
  sql: "sql",
  yaml: "yaml",
  yml: "yaml",
  toml: "toml",
  css: "css",
  xml: "xml",
};

/** Source code: the text as is, with its language, so chunks keep lines intact. */
export const codeParser: DocumentParser = {
  format: "code",
  extensions: Object.keys(languages),
  mimeTypes: ["text/x-python", "application/javascript", "text/javascript", "application/typescript"],
  doParse: async (data, { name }) => {
    const { text } = decodeText(data, name);
    const language = languages[name.split(".").pop()?.toLowerCase() ?? ""] ?? "text";
    return { sections: [{ text, metadata: { language } }] };
  },
};
