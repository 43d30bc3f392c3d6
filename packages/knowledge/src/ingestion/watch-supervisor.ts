import fs from "node:fs";
import path from "node:path";
import { type Database, type Logger, newId } from "@nexus/core";
import type { Kysely } from "kysely";
import type { KnowledgeService } from "../knowledge-service.ts";
import { type KnowledgeWatch, watchOf } from "../store/watch-store.ts";
import { type WatchedFolder, watchFolder } from "./watched-folder.ts";

export interface WatchSupervisorOptions {
  db: Kysely<Database>;
  service: Pick<KnowledgeService, "addDocument" | "deleteDocumentBySource">;
  logger?: Logger;
  /** This process's id in `knowledge_watches.owner_id`; a fresh one by default. */
  ownerId?: string;
  /** How long a lease lasts without renewal; another process takes a watch over after that. Default 30 s. */
  leaseMs?: number;
}

export interface WatchSupervisor {
  readonly ownerId: string;
  /** Resumes stored watches now and re-checks them every third of a lease. */
  start(): void;
  /** Claims unowned watches, renews this process's leases, stops watches deleted or lost. */
  check(): Promise<void>;
  /** Ids of the watches this process runs now. */
  watching(): string[];
  /** Resolves once a watch's first scan (the catch-up on changes while unwatched) was queued. */
  ready(watchId: string): Promise<void>;
  /** Stops every watch and gives its lease up, so another process (or the next start) resumes it at once. */
  close(): Promise<void>;
}

/**
 * Runs the stored watched folders in this process. Several processes may run one: each watch is
 * held by one of them through a lease in its row, renewed while it lives; a watch whose process
 * stopped is resumed by another on its next check. A process that cannot see a watch's folder
 * (another machine) leaves it to one that can.
 */
export function createWatchSupervisor(options: WatchSupervisorOptions): WatchSupervisor {
  const { db } = options;
  const ownerId = options.ownerId ?? newId("kwo");
  const leaseMs = options.leaseMs ?? 30_000;
  const active = new Map<string, WatchedFolder>();
  const unseen = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> = Promise.resolve();
  let closed = false;

  const leaseUntil = () => new Date(Date.now() + leaseMs).toISOString();
  const stop = (id: string) => {
    active.get(id)?.close();
    active.delete(id);
  };

  async function checkOnce(): Promise<void> {
    const rows = (await db.selectFrom("knowledge_watches").selectAll().execute()).map(watchOf);
    const stored = new Set(rows.map((row) => row.id));
    for (const id of active.keys()) if (!stored.has(id)) stop(id);
    const now = new Date().toISOString();
    for (const watch of rows) {
      if (closed) return;
      if (active.has(watch.id)) {
        const renewed = await db
          .updateTable("knowledge_watches")
          .set({ lease_until: leaseUntil() })
          .where("id", "=", watch.id)
          .where("owner_id", "=", ownerId)
          .executeTakeFirst();
        // Another process took it over (this one missed renewals): it is theirs now.
        if (Number(renewed.numUpdatedRows) === 0) stop(watch.id);
        continue;
      }
      if (watch.ownerId && watch.ownerId !== ownerId && watch.leaseUntil && watch.leaseUntil > now) continue;
      const stat = await fs.promises.stat(watch.folder).catch(() => undefined);
      if (!stat?.isDirectory()) {
        if (!unseen.has(watch.id))
          options.logger?.warn(
            { watch: watch.id, folder: watch.folder },
            "knowledge: watched folder not found here",
          );
        unseen.add(watch.id);
        continue;
      }
      unseen.delete(watch.id);
      const claimed = await db
        .updateTable("knowledge_watches")
        .set({ owner_id: ownerId, lease_until: leaseUntil() })
        .where("id", "=", watch.id)
        .where((eb) =>
          eb.or([eb("owner_id", "is", null), eb("owner_id", "=", ownerId), eb("lease_until", "<", now)]),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      let watched: WatchedFolder;
      try {
        watched = startWatch(watch);
      } catch (error) {
        // The folder went away between the check and the watch: the next check tries again.
        options.logger?.warn({ err: error, watch: watch.id }, "knowledge: watched folder not opened");
        continue;
      }
      watched.ready.catch((error) =>
        options.logger?.warn({ err: error, watch: watch.id }, "knowledge: watched folder not scanned"),
      );
      active.set(watch.id, watched);
      options.logger?.info({ watch: watch.id, folder: watch.folder }, "knowledge: watching folder");
    }
  }

  function startWatch(watch: KnowledgeWatch): WatchedFolder {
    return watchFolder({
      service: options.service,
      workspaceId: watch.workspaceId,
      knowledgeBase: watch.knowledgeBaseId,
      folder: watch.folder,
      ...(watch.options.debounceMs !== undefined ? { debounceMs: watch.options.debounceMs } : {}),
      knownFiles: async () =>
        (
          await db
            .selectFrom("knowledge_documents")
            .select("source_uri")
            .where("knowledge_base_id", "=", watch.knowledgeBaseId)
            .where("source", "=", "folder")
            .execute()
        )
          .map((row) => row.source_uri ?? "")
          .filter((file) => file.startsWith(watch.folder + path.sep)),
      onError: (file, error) =>
        options.logger?.warn({ err: error, watch: watch.id, file }, "knowledge: watched file not ingested"),
    });
  }

  const supervisor: WatchSupervisor = {
    ownerId,
    start() {
      if (timer || closed) return;
      timer = setInterval(() => void supervisor.check(), Math.max(100, leaseMs / 3));
      timer.unref();
      void supervisor.check();
    },
    check() {
      // One check at a time: a claim and its watch start must not race a second claim.
      checking = checking.then(() =>
        closed
          ? undefined
          : checkOnce().catch((error) =>
              options.logger?.error({ err: error }, "knowledge: watch check failed"),
            ),
      );
      return checking;
    },
    watching: () => [...active.keys()],
    async ready(watchId) {
      await checking;
      await active.get(watchId)?.ready;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await checking;
      const ids = [...active.keys()];
      for (const id of ids) stop(id);
      if (ids.length > 0)
        await db
          .updateTable("knowledge_watches")
          .set({ owner_id: null, lease_until: null })
          .where("id", "in", ids)
          .where("owner_id", "=", ownerId)
          .execute()
          .catch((error) => options.logger?.warn({ err: error }, "knowledge: watch leases not released"));
    },
  };
  return supervisor;
}
