import { estimateTextTokens } from "@nexus/core";
import { analyze, words } from "../analysis/analyzer.ts";
import { porterStem } from "../analysis/porter-stemmer.ts";
import { englishStopWords } from "../analysis/stop-words.ts";
import { type Embedder, normalize, type TermIdf } from "./embedder.ts";

export interface BuiltinEmbedderOptions {
  /** Vector length; default 512. */
  dimensions?: number;
  /** Share of a word's weight given to its character n-grams (spelling variants, compounds); default 0.35. */
  ngramWeight?: number;
  /** Weight of adjacent-term pairs (phrases); default 0.5. */
  bigramWeight?: number;
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

interface Feature {
  key: string;
  /** The analysed term the feature comes from (weights at query time by its IDF). */
  terms: string[];
  weight: number;
}

/**
 * The weight-free embedder: stemmed words, adjacent word pairs and character 3-/4-grams hashed
 * (with a sign, so collisions cancel on average) into a fixed number of dimensions. Chunks weigh
 * each feature by 1 + ln(tf); a query weighs it by the IDF of its term in the knowledge base
 * searched (kept in `knowledge_terms`), so the cosine behaves like TF-IDF and stays valid as the
 * knowledge base grows without re-embedding anything.
 */
export function createBuiltinEmbedder(options: BuiltinEmbedderOptions = {}): Embedder & {
  dimensions: number;
  embed(text: string, weightOf?: (term: string) => number): Float32Array;
} {
  const dimensions = options.dimensions ?? 512;
  const ngramWeight = options.ngramWeight ?? 0.35;
  const bigramWeight = options.bigramWeight ?? 0.5;

  function features(text: string): Feature[] {
    const list: Feature[] = [];
    let previous: string | undefined;
    for (const word of words(text)) {
      if (englishStopWords.has(word)) {
        previous = undefined;
        continue;
      }
      const term = porterStem(word);
      list.push({ key: `w:${term}`, terms: [term], weight: 1 });
      if (previous !== undefined && bigramWeight > 0) {
        list.push({ key: `b:${previous}_${term}`, terms: [previous, term], weight: bigramWeight });
      }
      previous = term;
      if (ngramWeight > 0 && word.length >= 5) {
        const padded = `<${word}>`;
        const grams: string[] = [];
        for (let size = 3; size <= 4; size++) {
          for (let start = 0; start + size <= padded.length; start++)
            grams.push(padded.slice(start, start + size));
        }
        const share = ngramWeight / Math.sqrt(grams.length);
        for (const gram of grams) list.push({ key: `g:${gram}`, terms: [term], weight: share });
      }
    }
    return list;
  }

  function embed(text: string, weightOf?: (term: string) => number): Float32Array {
    const counts = new Map<string, { weight: number; count: number; terms: string[] }>();
    for (const feature of features(text)) {
      const entry = counts.get(feature.key);
      if (entry) entry.count++;
      else counts.set(feature.key, { weight: feature.weight, count: 1, terms: feature.terms });
    }
    const vector = new Float32Array(dimensions);
    for (const [key, { weight, count, terms }] of counts) {
      const h = hash(key);
      const sign = h & 0x80000000 ? -1 : 1;
      let value = weight * (1 + Math.log(count));
      if (weightOf) value *= terms.reduce((sum, term) => sum + weightOf(term), 0) / terms.length;
      const index = h % dimensions;
      vector[index] = (vector[index] as number) + sign * value;
    }
    return normalize(vector);
  }

  return {
    model: "builtin",
    dimensions,
    embed,
    embedDocuments: async (texts) => ({
      vectors: texts.map((text) => embed(text)),
      tokens: texts.reduce((sum, text) => sum + analyze(text).length, 0),
    }),
    // Hashed features take text of any length: no limit, and only the estimate to count with.
    countTokens: async (texts) => ({ counts: texts.map(estimateTextTokens), exact: false }),
    embedQuery: async (text, _context, idf: TermIdf) => {
      const weights = await idf([...new Set(analyze(text))]);
      return embed(text, (term) => weights.get(term) ?? 1);
    },
  };
}
