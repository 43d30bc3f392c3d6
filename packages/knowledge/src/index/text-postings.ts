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
 *
 * Rows can be appended and removed (a knowledge base's change log, memory-index.ts): a removed
 * row stays in its postings, skipped, until the index is rebuilt. The statistics are always those
 * of the live rows, exactly as a fresh build over them would have: N and the total length are kept
 * as rows come and go, and a term's document frequency is recounted over its live postings on
 * the first query after a removal. Ties rank by `keyOf(row)`, so the row order does not matter.
 */
export interface TextPostings {
  /** Rows held, removed ones included (the next appended row's index). */
  readonly rows: number;
  /** Rows removed and still held. */
  readonly removed: number;
  /** Best `limit` rows (indexes into the held rows) for the query's terms, best first. */
  search(
    query: string,
    limit: number,
    allowed?: (row: number) => boolean,
    keyOf?: (row: number) => number,
  ): Array<{ row: number; score: number }>;
  /** Appends rows (the next indexes, in order). */
  append(contents: string[]): void;
  /** Removes rows: searches skip them and the statistics leave them out. */
  remove(rows: number[]): void;
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
  length: number;
  /** Live rows in the postings, valid while `generation` is the index's. */
  df: number;
  generation: number;
}

const grow = (capacity: number) => Math.max(4, capacity * 2);

export function buildTextPostings(contents: string[]): TextPostings {
  // Words map to their term's postings once (null: stop word); a term's frequency in the row
  // being added is the last entry of its postings.
  const termize = createTermizer();
  const wordPostings = new Map<string, Posting | null>();
  const postings = new Map<string, Posting>();
  let capacity = 0;
  let count = 0;
  let live = 0;
  let removed = 0;
  let totalLength = 0;
  /** Bumped by each removal: every term's live count is recounted when next queried. */
  let generation = 0;
  let lengths = new Float32Array(0);
  let dead = new Uint8Array(0);
  let lengthNorm = new Float32Array(0);
  let scores = new Float32Array(0);
  let touched = new Int32Array(0);

  const reserve = (wanted: number) => {
    if (wanted <= capacity) return;
    capacity = Math.max(wanted, Math.ceil(capacity * 1.25));
    const previous = { lengths, dead };
    lengths = new Float32Array(capacity);
    lengths.set(previous.lengths);
    dead = new Uint8Array(capacity);
    dead.set(previous.dead);
    lengthNorm = new Float32Array(capacity);
    scores = new Float32Array(capacity);
    touched = new Int32Array(capacity);
  };
  const postingOf = (word: string): Posting | null => {
    let posting = wordPostings.get(word);
    if (posting !== undefined) return posting;
    if (englishStopWords.has(word)) posting = null;
    else {
      const stem = porterStem(word);
      posting = postings.get(stem) ?? null;
      if (!posting) {
        posting = { rows: new Int32Array(0), frequencies: new Uint16Array(0), length: 0, df: 0, generation };
        postings.set(stem, posting);
      }
    }
    wordPostings.set(word, posting);
    return posting;
  };
  const addRow = (content: string) => {
    const row = count++;
    const tokens = asciiOnly.test(content) ? (content.toLowerCase().match(asciiWord) ?? []) : words(content);
    let length = 0;
    for (const word of tokens) {
      const posting = postingOf(word);
      if (!posting) continue;
      length++;
      const last = posting.length - 1;
      if (last >= 0 && posting.rows[last] === row) {
        const frequency = posting.frequencies[last] as number;
        if (frequency < 65535) posting.frequencies[last] = frequency + 1;
        continue;
      }
      if (posting.length === posting.rows.length) {
        const rows = new Int32Array(grow(posting.length));
        rows.set(posting.rows);
        const frequencies = new Uint16Array(rows.length);
        frequencies.set(posting.frequencies);
        posting.rows = rows;
        posting.frequencies = frequencies;
      }
      posting.rows[posting.length] = row;
      posting.frequencies[posting.length] = 1;
      posting.length++;
      if (posting.generation === generation) posting.df++;
    }
    lengths[row] = length;
    totalLength += length;
    live++;
  };
  /** Per row, the part of BM25's denominator that depends on length only (the average moves with every change). */
  const normalise = () => {
    const averageLength = live > 0 ? totalLength / live || 1 : 1;
    for (let row = 0; row < count; row++)
      lengthNorm[row] = k1 * (1 - b + (b * (lengths[row] as number)) / averageLength);
  };
  const liveDf = (posting: Posting) => {
    if (posting.generation !== generation) {
      let df = 0;
      for (let index = 0; index < posting.length; index++) if (!dead[posting.rows[index] as number]) df++;
      posting.df = df;
      posting.generation = generation;
    }
    return posting.df;
  };

  reserve(contents.length);
  for (const content of contents) addRow(content);
  // Built in one go: postings trimmed to their length (an append copies the few it touches).
  for (const posting of postings.values()) {
    posting.rows = posting.rows.slice(0, posting.length);
    posting.frequencies = posting.frequencies.slice(0, posting.length);
  }
  normalise();

  return {
    get rows() {
      return count;
    },
    get removed() {
      return removed;
    },
    append(added) {
      reserve(count + added.length);
      for (const content of added) addRow(content);
      normalise();
    },
    remove(rows) {
      for (const row of rows) {
        if (row < 0 || row >= count || dead[row]) continue;
        dead[row] = 1;
        removed++;
        live--;
        totalLength -= lengths[row] as number;
      }
      generation++;
      normalise();
    },
    search(query, limit, allowed, keyOf = (row) => row) {
      let touchedCount = 0;
      for (const term of new Set(termize(query))) {
        const posting = postings.get(term);
        if (!posting) continue;
        const df = liveDf(posting);
        if (df === 0) continue;
        const idf = Math.log(1 + (live - df + 0.5) / (df + 0.5));
        const { rows, frequencies, length } = posting;
        for (let index = 0; index < length; index++) {
          const row = rows[index] as number;
          if (removed > 0 && dead[row]) continue;
          const frequency = frequencies[index] as number;
          if (scores[row] === 0) touched[touchedCount++] = row;
          scores[row] =
            (scores[row] as number) +
            (idf * frequency * (k1 + 1)) / (frequency + (lengthNorm[row] as number));
        }
      }
      const order = (left: { row: number; score: number }, right: { row: number; score: number }) =>
        right.score - left.score || keyOf(left.row) - keyOf(right.row);
      const top: Array<{ row: number; score: number }> = [];
      let floor = Number.NEGATIVE_INFINITY;
      for (let index = 0; index < touchedCount; index++) {
        const row = touched[index] as number;
        const score = scores[row] as number;
        scores[row] = 0;
        // Ties with the floor are kept: which of them wins is the key's call, not the scan order's.
        if (score < floor && top.length >= limit) continue;
        if (allowed && !allowed(row)) continue;
        top.push({ row, score });
        if (top.length >= limit * 2) {
          top.sort(order);
          top.length = limit;
          floor = (top[limit - 1] as { score: number }).score;
        }
      }
      return top.sort(order).slice(0, limit);
    },
  };
}
