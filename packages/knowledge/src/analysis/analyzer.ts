import { porterStem } from "./porter-stemmer.ts";
import { englishStopWords } from "./stop-words.ts";

/**
 * Splits text into lower-case words of letters and digits (any script), diacritics removed.
 * `unicode61 remove_diacritics 2` in FTS5 splits the same way.
 */
export function words(text: string): string[] {
  return (
    foldDiacritics(text)
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** The text without diacritics (`café` → `cafe`), so accented and plain spellings match. */
export function foldDiacritics(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "");
}

/** Index terms of a text: words less stop words, each Porter-stemmed. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(text)) {
    if (englishStopWords.has(word)) continue;
    terms.push(porterStem(word));
  }
  return terms;
}

/** The words of a query worth searching for: stop words and repeats removed, original spelling kept. */
export function queryWords(text: string): string[] {
  return [...new Set(words(text).filter((word) => !englishStopWords.has(word)))];
}
