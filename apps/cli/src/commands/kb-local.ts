import type { Database } from "@nexus/core";
import {
  type Config,
  createEventBus,
  createQueue,
  defaultWorkspaceSlug,
  findWorkspaceBySlug,
  NexusError,
} from "@nexus/core";
import { createKnowledgeService, type KnowledgeService } from "@nexus/knowledge";
import type { Kysely } from "kysely";
import { CliError } from "../cli-error.ts";
import { withLocalStore } from "../local-store.ts";

/**
 * The knowledge service on the local data directory for one command: the local queue in the
 * store, its worker in this process (so `kb ingest` indexes before it exits).
 */
export async function withLocalKnowledge<T>(
  config: Config,
  workspaceSlug: string | undefined,
  work: (service: KnowledgeService, workspaceId: string, db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return withLocalStore(config, async (store) => {
    const slug = workspaceSlug ?? defaultWorkspaceSlug;
    const workspace = await findWorkspaceBySlug(store.db, slug);
    if (!workspace) throw new CliError(`No workspace '${slug}' (see \`nexus workspaces list\`)`, 2);
    const queue = await createQueue({ store, pollIntervalMs: 100, onError: () => {} });
    const events = await createEventBus();
    const service = await createKnowledgeService({ store, queue, events });
    try {
      return await work(service, workspace.id, store.db);
    } catch (error) {
      if (error instanceof NexusError) throw new CliError(error.message, error.status < 500 ? 1 : 2);
      throw error;
    } finally {
      await queue.close(5000);
      await service.close();
      await events.close();
    }
  });
}

/** A one-line progress bar on stderr (only when stderr is a terminal; else one line per change). */
export function progressLine(done: number, total: number, detail: string): void {
  const width = 24;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} documents ${detail}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else process.stderr.write(`${line}\n`);
}
