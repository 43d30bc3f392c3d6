import fs from "node:fs";
import path from "node:path";
import type { KnowledgeService } from "../knowledge-service.ts";

export interface WatchedFolderOptions {
  service: Pick<KnowledgeService, "addDocument" | "deleteDocumentBySource">;
  workspaceId: string;
  /** Id or name of the knowledge base the folder feeds. */
  knowledgeBase: string;
  folder: string;
  /** Quiet time after a file's last change before it is read (editors write in several steps); default 150 ms. */
  debounceMs?: number;
  /**
   * Files the knowledge base already holds from this folder (absolute paths). The first scan syncs
   * those no longer on disk too, so a file removed while nothing watched is removed from the index.
   */
  knownFiles?(): Promise<string[]>;
  /** Called when a file cannot be read or stored (the watch goes on). */
  onError?(file: string, error: unknown): void;
  /** Called after a change was handed to ingestion. */
  onQueued?(file: string, documentId: string | null): void;
}

export interface WatchedFolder {
  /** Resolves after the first scan of the folder's files was queued. */
  ready: Promise<void>;
  close(): void;
}

const ignored = (name: string) =>
  name.split(path.sep).some((part) => part.startsWith(".") || part.endsWith("~"));

/**
 * Keeps a knowledge base in step with a folder: every file is a document keyed by its path; a
 * changed file is queued again (its unchanged chunks keep their embeddings), a removed file's
 * document is deleted. Hidden files and editor backups are skipped.
 */
export function watchFolder(options: WatchedFolderOptions): WatchedFolder {
  const folder = path.resolve(options.folder);
  const debounceMs = options.debounceMs ?? 150;
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  async function sync(file: string): Promise<void> {
    if (closed) return;
    try {
      let data: Buffer | undefined;
      try {
        const stat = await fs.promises.stat(file);
        if (!stat.isFile()) return;
        data = await fs.promises.readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      if (data === undefined) {
        await options.service.deleteDocumentBySource(options.workspaceId, options.knowledgeBase, file);
        options.onQueued?.(file, null);
        return;
      }
      const { document } = await options.service.addDocument(options.workspaceId, options.knowledgeBase, {
        name: path.relative(folder, file),
        data,
        source: "folder",
        sourceUri: file,
      });
      options.onQueued?.(file, document.id);
    } catch (error) {
      options.onError?.(file, error);
    }
  }

  const schedule = (file: string) => {
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        void sync(file);
      }, debounceMs),
    );
  };

  const watcher = fs.watch(folder, { recursive: true }, (_event, name) => {
    if (!name || ignored(name.toString())) return;
    schedule(path.join(folder, name.toString()));
  });
  watcher.on("error", (error) => options.onError?.(folder, error));

  const ready = (async () => {
    const entries = await fs.promises.readdir(folder, { recursive: true, withFileTypes: true });
    const seen = new Set<string>();
    for (const entry of entries) {
      const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      if (!entry.isFile() || ignored(path.relative(folder, file))) continue;
      seen.add(file);
      await sync(file);
    }
    for (const file of (await options.knownFiles?.().catch(() => [])) ?? []) {
      if (!seen.has(file) && file.startsWith(folder + path.sep)) await sync(file);
    }
  })();

  return {
    ready,
    close() {
      // The first scan stops too: a closed watch queues nothing more.
      closed = true;
      watcher.close();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
