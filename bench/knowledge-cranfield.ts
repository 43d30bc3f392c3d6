import fs from "node:fs";
import path from "node:path";

/** The Cranfield collection in ../shared/eval/retrieval/cranfield, read as PROVENANCE.md says. */
export interface Cranfield {
  documents: Array<{ id: string; text: string }>;
  /** In cran.qry order; query n (1-based) is qrel id n. */
  queries: Array<{ id: string; text: string }>;
  /** Query id → document id → gain (5 - code for codes 1..4; -1 dropped). */
  judgments: Map<string, Map<string, number>>;
}

export const cranfieldDir =
  process.env.CRANFIELD_DIR ?? path.resolve(import.meta.dirname, "../../shared/eval/retrieval/cranfield");

function records(text: string): Array<Record<string, string>> {
  const list: Array<Record<string, string>> = [];
  let current: Record<string, string> | undefined;
  let field = "";
  for (const line of text.split(/\r?\n/)) {
    const marker = /^\.([ITABW])\s*(.*)$/.exec(line);
    if (marker) {
      if (marker[1] === "I") {
        current = { I: (marker[2] as string).trim() };
        list.push(current);
      } else if (current) field = marker[1] as string;
      continue;
    }
    if (current && field) current[field] = `${current[field] ?? ""}${line}\n`;
  }
  return list;
}

export function loadCranfield(dir = cranfieldDir): Cranfield {
  const documents = records(fs.readFileSync(path.join(dir, "cran.all.1400"), "utf8")).map((record) => ({
    id: String(Number(record.I)),
    text: `${(record.T ?? "").trim()}\n\n${(record.W ?? "").trim()}`,
  }));
  const queries = records(fs.readFileSync(path.join(dir, "cran.qry"), "utf8")).map((record, index) => ({
    id: String(index + 1),
    text: (record.W ?? "").trim(),
  }));
  const judgments = new Map<string, Map<string, number>>();
  for (const line of fs.readFileSync(path.join(dir, "cranqrel"), "utf8").split("\n")) {
    const [query, document, code] = line.trim().split(/\s+/);
    const value = Number(code);
    if (!query || !document || !(value >= 1 && value <= 4)) continue;
    const map = judgments.get(query) ?? new Map<string, number>();
    map.set(document, 5 - value);
    judgments.set(query, map);
  }
  return { documents, queries, judgments };
}

/** nDCG@k with linear gains (gain / log2(rank + 1)), as trec_eval's ndcg_cut. */
export function ndcgAt(ranking: string[], gains: Map<string, number>, k = 10): number {
  let dcg = 0;
  ranking.slice(0, k).forEach((id, index) => {
    dcg += (gains.get(id) ?? 0) / Math.log2(index + 2);
  });
  const ideal = [...gains.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

export function recallAt(ranking: string[], gains: Map<string, number>, k = 100): number {
  const relevant = [...gains.keys()];
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** Plain BM25 (k1 1.2, b 0.75, lower-case alphanumeric tokens, no stemming, no stop words): the baseline. */
export function plainBm25(documents: Cranfield["documents"]) {
  const tokens = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const docs = documents.map((document) => {
    const terms = tokens(document.text);
    const tf = new Map<string, number>();
    for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
    return { id: document.id, length: terms.length, tf };
  });
  const df = new Map<string, number>();
  for (const doc of docs) for (const term of doc.tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const average = docs.reduce((sum, doc) => sum + doc.length, 0) / docs.length;
  const n = docs.length;
  return (query: string, k: number): string[] => {
    const terms = tokens(query);
    const scored = docs.map((doc) => {
      let score = 0;
      for (const term of terms) {
        const f = doc.tf.get(term);
        if (!f) continue;
        const d = df.get(term) ?? 0;
        const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
        score += (idf * f * 2.2) / (f + 1.2 * (1 - 0.75 + (0.75 * doc.length) / average));
      }
      return { id: doc.id, score };
    });
    return scored
      .filter((item) => item.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map((item) => item.id);
  };
}
