import { type EventBus, invalidRequest, notFound, type Store } from "@nexus/core";
import { type Limits, limitsSchema } from "../routing/gateway-config.ts";

/** A stored limit rule. */
export interface LimitRule {
  limits: Limits;
  updatedAt: string;
}

/** Every rule of one workspace, as the limiter reads them on each request. */
export interface WorkspaceRules {
  /** Applies to every request of the workspace. */
  workspace: Limits | undefined;
  /** Applies to requests made with that key (on top of the workspace rule). */
  keys: ReadonlyMap<string, Limits>;
}

/**
 * The gateway's limit rules: one per workspace and one per API key. Reads for the limiter come
 * from memory; every change is broadcast on core.events so each replica drops its copy.
 */
export interface LimitsStore {
  /**
   * The workspace's rules: from memory once loaded (no store work per request, also when the
   * workspace has none), reloaded on a change event or, as a backstop for a missed event, in the
   * background once the copy is older than `cacheTtlMs`.
   */
  rulesFor(workspaceId: string): Promise<WorkspaceRules>;
  getWorkspaceLimits(workspaceId: string): Promise<LimitRule | null>;
  /** Replaces the workspace rule. Throws NexusError 400 for invalid limits. */
  setWorkspaceLimits(workspaceId: string, limits: Limits): Promise<LimitRule>;
  /** True when there was a rule to delete. */
  deleteWorkspaceLimits(workspaceId: string): Promise<boolean>;
  /** The key's rule. Throws NexusError 404 when the key is not the workspace's. */
  getKeyLimits(workspaceId: string, keyId: string): Promise<LimitRule | null>;
  setKeyLimits(workspaceId: string, keyId: string, limits: Limits): Promise<LimitRule>;
  deleteKeyLimits(workspaceId: string, keyId: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface LimitsStoreOptions {
  store: Store;
  events: EventBus;
  /** How old a cached copy may get before it is reloaded in the background. Default 60 s. */
  cacheTtlMs?: number;
}

export const limitsChangedTopic = "gateway.limits.changed";
/** The `api_key_id` of a workspace-wide rule. */
const workspaceScope = "";
const noRules: WorkspaceRules = { workspace: undefined, keys: new Map() };
const strictLimits = limitsSchema.strict();

interface CachedRules {
  rules: WorkspaceRules;
  loadedAt: number;
  refreshing: boolean;
}

/**
 * @example
 * const limits = createLimitsStore({ store, events });
 * await limits.setKeyLimits(workspaceId, keyId, { requestsPerMinute: 60 });
 */
export function createLimitsStore(options: LimitsStoreOptions): LimitsStore {
  const { store, events } = options;
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const cache = new Map<string, CachedRules>();
  const loading = new Map<string, Promise<WorkspaceRules>>();
  // Bumped by each invalidation so a load that raced with a change never caches what it read.
  const generations = new Map<string, number>();
  let closed = false;
  const subscribed = events.subscribe<{ workspaceId: string }>(limitsChangedTopic, (event) =>
    forget(event.payload.workspaceId),
  );
  subscribed.catch(() => {});

  function forget(workspaceId: string): void {
    generations.set(workspaceId, (generations.get(workspaceId) ?? 0) + 1);
    cache.delete(workspaceId);
    loading.delete(workspaceId);
  }

  function load(workspaceId: string): Promise<WorkspaceRules> {
    let pending = loading.get(workspaceId);
    if (pending) return pending;
    const generation = generations.get(workspaceId) ?? 0;
    pending = (async () => {
      // Listening first: a change made while the rows are read then still invalidates them.
      await subscribed;
      const rows = await store.db
        .selectFrom("gateway_limits")
        .select(["api_key_id", "limits"])
        .where("workspace_id", "=", workspaceId)
        .execute();
      const rules = toRules(rows);
      if ((generations.get(workspaceId) ?? 0) === generation && !closed) {
        cache.set(workspaceId, { rules, loadedAt: Date.now(), refreshing: false });
      }
      return rules;
    })().finally(() => {
      if (loading.get(workspaceId) === pending) loading.delete(workspaceId);
    });
    loading.set(workspaceId, pending);
    return pending;
  }

  async function changed(workspaceId: string): Promise<void> {
    forget(workspaceId);
    await events.publish(limitsChangedTopic, { workspaceId });
  }

  async function readRule(workspaceId: string, scope: string): Promise<LimitRule | null> {
    const row = await store.db
      .selectFrom("gateway_limits")
      .select(["limits", "updated_at"])
      .where("workspace_id", "=", workspaceId)
      .where("api_key_id", "=", scope)
      .executeTakeFirst();
    return row ? { limits: JSON.parse(row.limits) as Limits, updatedAt: row.updated_at } : null;
  }

  async function writeRule(workspaceId: string, scope: string, limits: Limits): Promise<LimitRule> {
    const checked = validLimits(limits);
    const rule = { limits: checked, updatedAt: new Date().toISOString() };
    const values = { limits: JSON.stringify(checked), updated_at: rule.updatedAt };
    await store.db
      .insertInto("gateway_limits")
      .values({ workspace_id: workspaceId, api_key_id: scope, ...values })
      .onConflict((conflict) => conflict.columns(["workspace_id", "api_key_id"]).doUpdateSet(values))
      .execute();
    await changed(workspaceId);
    return rule;
  }

  async function deleteRule(workspaceId: string, scope: string): Promise<boolean> {
    const result = await store.db
      .deleteFrom("gateway_limits")
      .where("workspace_id", "=", workspaceId)
      .where("api_key_id", "=", scope)
      .executeTakeFirst();
    await changed(workspaceId);
    return Number(result.numDeletedRows) > 0;
  }

  async function assertKeyOfWorkspace(workspaceId: string, keyId: string): Promise<void> {
    const key = await store.db
      .selectFrom("api_keys")
      .select("id")
      .where("id", "=", keyId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    if (!key) throw notFound("API key", keyId);
  }

  return {
    rulesFor(workspaceId) {
      const cached = cache.get(workspaceId);
      if (!cached) return load(workspaceId);
      if (!cached.refreshing && Date.now() - cached.loadedAt > cacheTtlMs) {
        cached.refreshing = true;
        // Stale-while-revalidate: requests keep the old rules until the reload lands.
        load(workspaceId).catch(() => {
          cached.refreshing = false;
        });
      }
      return Promise.resolve(cached.rules);
    },
    getWorkspaceLimits: (workspaceId) => readRule(workspaceId, workspaceScope),
    setWorkspaceLimits: (workspaceId, limits) => writeRule(workspaceId, workspaceScope, limits),
    deleteWorkspaceLimits: (workspaceId) => deleteRule(workspaceId, workspaceScope),
    async getKeyLimits(workspaceId, keyId) {
      await assertKeyOfWorkspace(workspaceId, keyId);
      return readRule(workspaceId, keyId);
    },
    async setKeyLimits(workspaceId, keyId, limits) {
      await assertKeyOfWorkspace(workspaceId, keyId);
      return writeRule(workspaceId, keyId, limits);
    },
    async deleteKeyLimits(workspaceId, keyId) {
      await assertKeyOfWorkspace(workspaceId, keyId);
      return deleteRule(workspaceId, keyId);
    },
    async close() {
      closed = true;
      cache.clear();
      const unsubscribe = await subscribed.catch(() => undefined);
      await unsubscribe?.();
    },
  };
}

function validLimits(limits: unknown): Limits {
  const parsed = strictLimits.safeParse(limits);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".");
    throw invalidRequest(`Invalid limits: ${path ? `${path}: ` : ""}${issue?.message}`, path || undefined);
  }
  if (Object.keys(parsed.data).length === 0) {
    throw invalidRequest(
      "Set at least one of requestsPerMinute, tokensPerMinute or tokenBudget (or delete the rule)",
    );
  }
  return parsed.data;
}

function toRules(rows: Array<{ api_key_id: string; limits: string }>): WorkspaceRules {
  if (rows.length === 0) return noRules;
  let workspace: Limits | undefined;
  const keys = new Map<string, Limits>();
  for (const row of rows) {
    const limits = JSON.parse(row.limits) as Limits;
    if (row.api_key_id === workspaceScope) workspace = limits;
    else keys.set(row.api_key_id, limits);
  }
  return { workspace, keys };
}
