import { words } from "../analysis/analyzer.ts";
import { porterStem } from "../analysis/porter-stemmer.ts";
import { englishStopWords } from "../analysis/stop-words.ts";

/** BM25 parameters, as the SQLite FTS5 search used (k1 1.2, b 0.75). */
const k1 = 1.2;
const b = 0.75;

/**
 * A knowledge base's chunks as an in-memory inverted index scored by BM25.
 *
 * Why not FTS5: its `bm25()` runs once per matching row, and an OR of a query's words matches
 * half of a 100,000-chunk knowledge base, so ranking took 60–190 ms while finding the rows took
 * 4 ms. Here a term's postings are two typed arrays and a query adds each term's contribution
 * into one score array (term at a time): 1–3 ms at 100,000 chunks. Terms are the analyser's
 * (stop words out, Porter stems), the same as the query's and the built-in embedder's, and IDF
 * is the knowledge base's own (`ln(1 + (N − df + 0.5) / (df + 0.5))`).
 */
export interface TextPostings {
  /** Best `limit` rows (indexes into the loaded rows) for the query's terms, best first. */
  search(
    query: string,
    limit: number,
    allowed?: (row: number) => boolean,
  ): Array<{ row: number; score: number }>;
}

const asciiOnly = /^\p{ASCII}*$/u;
const asciiWord = /[a-z0-9]+/g;

/** Analysed terms with stems memoised (a knowledge base repeats a small vocabulary). */
function createTermizer() {
  const stems = new Map<string, string>();
  return (text: string): string[] => {
    const terms: string[] = [];
    // ASCII text needs no Unicode folding (the analyser's NFKD pass costs more than the rest).
    const tokens = asciiOnly.test(text) ? (text.toLowerCase().match(asciiWord) ?? []) : words(text);
    for (const word of tokens) {
      if (englishStopWords.has(word)) continue;
      let stem = stems.get(word);
      if (stem === undefined) {
        stem = porterStem(word);
        stems.set(word, stem);
      }
      terms.push(stem);
    }
    return terms;
  };
}

interface Posting {
  rows: Int32Array;
  frequencies: Uint16Array;
}

export function buildTextPostings(contents: string[]): TextPostings {
  const termize = createTermizer();
  const lengths = new Float32Array(contents.length);
  // Words map to term ids once (-1: stop word); postings grow per term id, and a term's
  // frequency in the current row is the last entry of its list (no map per row).
  const wordIds = new Map<string, number>();
  const termIds = new Map<string, number>();
  const rowLists: number[][] = [];
  const frequencyLists: number[][] = [];
  const lastRow: number[] = [];
  let totalLength = 0;
  contents.forEach((content, row) => {
    const tokens = asciiOnly.test(content) ? (content.toLowerCase().match(asciiWord) ?? []) : words(content);
    let length = 0;
    for (const word of tokens) {
      let id = wordIds.get(word);
      if (id === undefined) {
        if (englishStopWords.has(word)) id = -1;
        else {
          const stem = porterStem(word);
          id = termIds.get(stem);
          if (id === undefined) {
            id = rowLists.length;
            termIds.set(stem, id);
            rowLists.push([]);
            frequencyLists.push([]);
            lastRow.push(-1);
          }
        }
        wordIds.set(word, id);
      }
      if (id < 0) continue;
      length++;
      const frequencies = frequencyLists[id] as number[];
      if (lastRow[id] === row)
        frequencies[frequencies.length - 1] = (frequencies[frequencies.length - 1] as number) + 1;
      else {
        lastRow[id] = row;
        (rowLists[id] as number[]).push(row);
        frequencies.push(1);
      }
    }
    lengths[row] = length;
    totalLength += length;
  });
  const postings = new Map<string, Posting>();
  for (const [term, id] of termIds) {
    postings.set(term, {
      rows: Int32Array.from(rowLists[id] as number[]),
      frequencies: Uint16Array.from(frequencyLists[id] as number[], (frequency) =>
        Math.min(frequency, 65535),
      ),
    });
  }
  const total = contents.length;
  const averageLength = total > 0 ? totalLength / total || 1 : 1;
  // Per row, the part of BM25's denominator that depends on length only.
  const lengthNorm = lengths.map((length) => k1 * (1 - b + (b * length) / averageLength));
  const scores = new Float32Array(total);
  const touched = new Int32Array(total);

  return {
    search(query, limit, allowed) {
      let touchedCount = 0;
      for (const term of new Set(termize(query))) {
        const posting = postings.get(term);
        if (!posting) continue;
        const df = posting.rows.length;
        const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
        const { rows, frequencies } = posting;
        for (let index = 0; index < rows.length; index++) {
          const row = rows[index] as number;
          const frequency = frequencies[index] as number;
          if (scores[row] === 0) touched[touchedCount++] = row;
          scores[row] =
            (scores[row] as number) +
            (idf * frequency * (k1 + 1)) / (frequency + (lengthNorm[row] as number));
        }
      }
      const top: Array<{ row: number; score: number }> = [];
      let floor = Number.NEGATIVE_INFINITY;
      for (let index = 0; index < touchedCount; index++) {
        const row = touched[index] as number;
        const score = scores[row] as number;
        scores[row] = 0;
        if (score <= floor && top.length >= limit) continue;
        if (allowed && !allowed(row)) continue;
        top.push({ row, score });
        if (top.length >= limit * 2) {
          top.sort((left, right) => right.score - left.score || left.row - right.row);
          top.length = limit;
          floor = (top[limit - 1] as { score: number }).score;
        }
      }
      return top.sort((left, right) => right.score - left.score || left.row - right.row).slice(0, limit);
    },
  };
}
