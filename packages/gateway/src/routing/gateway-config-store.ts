import type { EventBus, SecretBox, Store } from "@nexus/core";
import { type AliasConfig, aliasSchema, type ProviderConfig, providerSchema } from "./gateway-config.ts";

/** A workspace's provider as the API shows it: the API key is never returned, only whether one is set. */
export type ProviderView = Omit<ProviderConfig, "apiKey"> & { hasApiKey: boolean };

const changedTopic = "gateway.config.changed";

/**
 * Providers and aliases per workspace, in the store. Provider API keys are sealed with the
 * instance's secret box. Every change is broadcast on core.events so each replica's gateway drops
 * what it cached for that workspace.
 */
export class GatewayConfigStore {
  private readonly listeners = new Set<(workspaceId: string) => void>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly secrets: SecretBox,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.events.subscribe<{ workspaceId: string }>(changedTopic, (event) => {
      for (const listener of this.listeners) listener(event.payload.workspaceId);
    });
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Told, on every replica, when a workspace's providers or aliases change. */
  onChange(listener: (workspaceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listProviders(workspaceId: string): Promise<ProviderView[]> {
    const rows = await this.store.db
      .selectFrom("gateway_providers")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("id")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind as ProviderConfig["kind"],
      baseURL: row.base_url,
      headers: JSON.parse(row.headers) as Record<string, string>,
      hasApiKey: row.api_key_ciphertext !== null,
    }));
  }

  /** With the API key unsealed: for building the provider, never for answering the API. */
  async providerConfigs(workspaceId: string): Promise<ProviderConfig[]> {
    const rows = await this.store.db
      .selectFrom("gateway_providers")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .execute();
    return rows.map((row) =>
      providerSchema.parse({
        id: row.id,
        kind: row.kind,
        baseURL: row.base_url,
        headers: JSON.parse(row.headers),
        apiKey: row.api_key_ciphertext === null ? undefined : this.secrets.open(row.api_key_ciphertext),
      }),
    );
  }

  /**
   * Creates or replaces a provider. An absent `apiKey` on a replace keeps the stored one (clients
   * never see it, so they cannot send it back); `apiKey: ""` is rejected by the schema, not a way to clear it.
   */
  async putProvider(workspaceId: string, config: ProviderConfig): Promise<{ created: boolean }> {
    const now = new Date().toISOString();
    const existing = await this.store.db
      .selectFrom("gateway_providers")
      .select("api_key_ciphertext")
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", config.id)
      .executeTakeFirst();
    const sealedKey = config.apiKey
      ? this.secrets.seal(config.apiKey)
      : (existing?.api_key_ciphertext ?? null);
    const values = {
      kind: config.kind,
      base_url: config.baseURL,
      api_key_ciphertext: sealedKey,
      headers: JSON.stringify(config.headers ?? {}),
      updated_at: now,
    };
    if (existing) {
      await this.store.db
        .updateTable("gateway_providers")
        .set(values)
        .where("workspace_id", "=", workspaceId)
        .where("id", "=", config.id)
        .execute();
    } else {
      await this.store.db
        .insertInto("gateway_providers")
        .values({ workspace_id: workspaceId, id: config.id, created_at: now, ...values })
        .execute();
    }
    await this.changed(workspaceId);
    return { created: !existing };
  }

  async deleteProvider(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom("gateway_providers")
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", id)
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows) > 0;
    if (deleted) await this.changed(workspaceId);
    return deleted;
  }

  async listAliases(workspaceId: string): Promise<AliasConfig[]> {
    const rows = await this.store.db
      .selectFrom("gateway_aliases")
      .select(["config"])
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    // A row that no longer fits the schema (hand-edited, or from a newer version) is skipped, not fatal.
    return rows.flatMap((row) => {
      const parsed = aliasSchema.safeParse(safeJson(row.config));
      return parsed.success ? [parsed.data] : [];
    });
  }

  async putAlias(workspaceId: string, config: AliasConfig): Promise<{ created: boolean }> {
    const now = new Date().toISOString();
    const json = JSON.stringify(config);
    const result = await this.store.db
      .updateTable("gateway_aliases")
      .set({ config: json, updated_at: now })
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", config.name)
      .executeTakeFirst();
    const created = Number(result.numUpdatedRows) === 0;
    if (created) {
      await this.store.db
        .insertInto("gateway_aliases")
        .values({
          workspace_id: workspaceId,
          name: config.name,
          config: json,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    await this.changed(workspaceId);
    return { created };
  }

  async deleteAlias(workspaceId: string, name: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom("gateway_aliases")
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows) > 0;
    if (deleted) await this.changed(workspaceId);
    return deleted;
  }

  private async changed(workspaceId: string): Promise<void> {
    await this.events.publish(changedTopic, { workspaceId });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
