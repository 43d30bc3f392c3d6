import { getWorkspaceById, type Store, type Workspace } from "@nexus/core";

const ttlMs = 30_000;

/**
 * Workspaces are read on nearly every request and change rarely, so a short-lived copy per
 * replica keeps the hot path free of database reads.
 */
export class WorkspaceCache {
  private readonly entries = new Map<string, { workspace: Workspace; expiresAt: number }>();

  constructor(private readonly store: Store) {}

  async get(id: string): Promise<Workspace> {
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.workspace;
    const workspace = await getWorkspaceById(this.store.db, id);
    this.entries.set(id, { workspace, expiresAt: Date.now() + ttlMs });
    return workspace;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
