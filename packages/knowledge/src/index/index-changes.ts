import type { Executor } from "./chunk-index.ts";

/** What one write did to a knowledge base's chunks; `reset`: anything may have changed (vectors cleared). */
export type IndexChange = { added?: number[]; removed?: number[]; reset?: never } | { reset: true };

/** Log rows kept per knowledge base: a copy further behind than this reloads whole. */
export const keptChanges = 1024;

type ChangeTables = {
  knowledge_index_changes: {
    knowledge_base_id: string;
    version: number;
    added: string;
    removed: string;
    reset: number;
  };
};

/**
 * Marks a knowledge base's chunks as changed: bumps `index_version` (and `chunk_count` by the
 * keys added less those removed) and logs the keys under the version it produced, so in-memory
 * copies apply just this change (migration 0016). Call in the transaction that changes the chunks:
 * the version's row lock orders concurrent writers, so a reader that sees version v also sees
 * every log row up to v. Every 64 versions, rows older than `keptChanges` versions are pruned.
 */
export async function bumpIndexVersion(
  executor: Executor,
  knowledgeBaseId: string,
  change: IndexChange,
): Promise<void> {
  const added = change.reset ? [] : (change.added ?? []);
  const removed = change.reset ? [] : (change.removed ?? []);
  const row = await executor
    .updateTable("knowledge_bases")
    .set((eb) => ({
      index_version: eb("index_version", "+", 1),
      chunk_count: eb("chunk_count", "+", added.length - removed.length),
    }))
    .where("id", "=", knowledgeBaseId)
    .returning("index_version")
    .executeTakeFirst();
  if (!row) return;
  const version = Number(row.index_version);
  const log = executor.withTables<ChangeTables>();
  await log
    .insertInto("knowledge_index_changes")
    .values({
      knowledge_base_id: knowledgeBaseId,
      version,
      added: JSON.stringify(added),
      removed: JSON.stringify(removed),
      reset: change.reset ? 1 : 0,
    })
    .execute();
  if (version % 64 === 0)
    await log
      .deleteFrom("knowledge_index_changes")
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .where("version", "<=", version - keptChanges)
      .execute();
}

/** The chunks changed between two versions: every key touched, and those whose last change added them. */
export interface ChangedKeys {
  touched: Set<number>;
  added: number[];
}

/**
 * Keys changed after version `from` up to `to`, coalesced (a key's last change wins); undefined
 * when the log cannot say: a version missing (pruned, or written before the log existed) or a
 * reset among them. The caller then reloads the knowledge base whole.
 */
export async function readIndexChanges(
  executor: Executor,
  knowledgeBaseId: string,
  from: number,
  to: number,
): Promise<ChangedKeys | undefined> {
  if (to - from > keptChanges) return undefined;
  const rows = await executor
    .withTables<ChangeTables>()
    .selectFrom("knowledge_index_changes")
    .select(["version", "added", "removed", "reset"])
    .where("knowledge_base_id", "=", knowledgeBaseId)
    .where("version", ">", from)
    .where("version", "<=", to)
    .orderBy("version")
    .execute();
  if (rows.length !== to - from) return undefined;
  const last = new Map<number, boolean>();
  for (const [index, row] of rows.entries()) {
    if (Number(row.version) !== from + index + 1 || Number(row.reset) !== 0) return undefined;
    for (const key of JSON.parse(row.removed) as number[]) last.set(key, false);
    for (const key of JSON.parse(row.added) as number[]) last.set(key, true);
  }
  const added: number[] = [];
  for (const [key, present] of last) if (present) added.push(key);
  return { touched: new Set(last.keys()), added: added.sort((left, right) => left - right) };
}

/** Chunk rows by key, as a full load reads them (absent: removed again since). */
export async function readChunks(
  executor: Executor,
  knowledgeBaseId: string,
  keys: number[],
  withContent: boolean,
) {
  const rows: Array<{ key: number; document_id: string; embedding: Uint8Array | null; content?: string }> =
    [];
  for (let start = 0; start < keys.length; start += 500) {
    const batch = await executor
      .selectFrom("knowledge_chunks")
      .select(["key", "document_id", "embedding"])
      .$if(withContent, (query) => query.select("content"))
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .where("key", "in", keys.slice(start, start + 500))
      .orderBy("key")
      .execute();
    for (const row of batch) rows.push({ ...row, key: Number(row.key) });
  }
  return rows;
}
