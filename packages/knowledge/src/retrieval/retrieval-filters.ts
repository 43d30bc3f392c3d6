import type { Database } from "@nexus/core";
import type { Kysely } from "kysely";
import { z } from "zod";

/** Narrows a search to some documents: by id, and/or by equal values in their metadata. */
export const retrievalFiltersSchema = z
  .object({
    documentIds: z.array(z.string().min(1).max(128)).max(1000).optional(),
    /** Every key must equal the document's metadata value (FastGPT/Dify-style metadata filter). */
    metadata: z
      .record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
      .optional(),
  })
  .strict();
export type RetrievalFilters = z.infer<typeof retrievalFiltersSchema>;

/** The documents of a knowledge base the filters allow; undefined when nothing is filtered. */
export async function matchingDocumentIds(
  db: Kysely<Database>,
  knowledgeBaseId: string,
  filters: RetrievalFilters | undefined,
): Promise<string[] | undefined> {
  if (!filters?.documentIds && !filters?.metadata) return undefined;
  let query = db
    .selectFrom("knowledge_documents")
    .select(["id", "metadata"])
    .where("knowledge_base_id", "=", knowledgeBaseId);
  if (filters.documentIds)
    query = query.where("id", "in", filters.documentIds.length ? filters.documentIds : [""]);
  const rows = await query.execute();
  const wanted = Object.entries(filters.metadata ?? {});
  return rows
    .filter((row) => {
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      return wanted.every(([key, value]) => metadata[key] === value);
    })
    .map((row) => row.id);
}
