import { sql } from "kysely";
import { analyze } from "../analysis/analyzer.ts";
import type { Executor } from "./chunk-index.ts";

/** Counts, per analysed term, how many of the given texts hold it. */
export function documentFrequencies(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const term of new Set(analyze(text))) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return counts;
}

/** Adds (or with a negative sign, takes away) document frequencies of a knowledge base's terms. */
export async function addTermFrequencies(
  executor: Executor,
  knowledgeBaseId: string,
  texts: string[],
  sign: 1 | -1,
): Promise<void> {
  const rows = [...documentFrequencies(texts)].map(([term, df]) => ({
    knowledge_base_id: knowledgeBaseId,
    term,
    df: sign * df,
  }));
  for (let start = 0; start < rows.length; start += 500) {
    await executor
      .insertInto("knowledge_terms")
      .values(rows.slice(start, start + 500))
      .onConflict((conflict) =>
        conflict
          .columns(["knowledge_base_id", "term"])
          .doUpdateSet({ df: sql<number>`knowledge_terms.df + excluded.df` }),
      )
      .execute();
  }
}

/** BM25's IDF: ln(1 + (N - df + 0.5) / (df + 0.5)); a term no chunk holds gets the highest. */
export async function readTermIdf(
  executor: Executor,
  knowledgeBaseId: string,
  terms: string[],
): Promise<Map<string, number>> {
  const idf = new Map<string, number>();
  if (terms.length === 0) return idf;
  const base = await executor
    .selectFrom("knowledge_bases")
    .select("chunk_count")
    .where("id", "=", knowledgeBaseId)
    .executeTakeFirst();
  const total = Number(base?.chunk_count ?? 0);
  const rows = await executor
    .selectFrom("knowledge_terms")
    .select(["term", "df"])
    .where("knowledge_base_id", "=", knowledgeBaseId)
    .where("term", "in", terms)
    .execute();
  const found = new Map(rows.map((row) => [row.term, Math.max(0, Number(row.df))]));
  for (const term of terms) {
    const df = found.get(term) ?? 0;
    idf.set(term, Math.log(1 + (total - df + 0.5) / (df + 0.5)));
  }
  return idf;
}
