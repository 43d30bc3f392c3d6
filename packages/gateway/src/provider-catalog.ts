import type { ModelInfo } from "./protocol/openai-chat.ts";
import type { ModelProvider } from "./providers/model-provider.ts";
import { modelNotFound } from "./providers/provider-error.ts";

export interface ProviderCatalogOptions {
  /** How long a model listing is trusted for routing bare model names. Default 30 s. */
  ttlMs?: number;
  /** A provider that has not listed its models by then is skipped, so one stuck upstream cannot stall a listing. Default 5 s. */
  listTimeoutMs?: number;
  /** Told when a provider fails to list its models (it is skipped, not fatal). */
  onProviderError?(providerId: string, error: unknown): void;
}

/** Where a name that is not an alias goes: a provider and its own model id. */
export interface DirectRoute {
  provider: string;
  model: string;
}

interface Listing {
  models: ModelInfo[];
  /** Bare upstream model id → the providers offering it. */
  owners: Map<string, string[]>;
  builtAt: number;
}

// A miss re-lists at most this often, so a client asking for a missing model cannot hammer upstreams.
const minimumRefreshMs = 1_000;

/**
 * A set of providers and what they offer. Names route without a listing when they carry a
 * provider prefix (`<provider>/<model>`: the hot path costs a map lookup); a bare name is looked up
 * in a cached listing. Providers can be added and removed while running (discovered local servers).
 */
export class ProviderCatalog {
  private readonly byId = new Map<string, ModelProvider>();
  private listing: Listing | undefined;
  private building: Promise<Listing> | undefined;

  constructor(
    providers: ModelProvider[],
    private readonly options: ProviderCatalogOptions = {},
  ) {
    for (const provider of providers) this.add(provider);
  }

  get(id: string): ModelProvider | undefined {
    return this.byId.get(id);
  }

  providers(): ModelProvider[] {
    return [...this.byId.values()];
  }

  /** Throws when the id is taken. */
  add(provider: ModelProvider): void {
    if (this.byId.has(provider.id)) throw new Error(`A provider '${provider.id}' already exists`);
    this.byId.set(provider.id, provider);
    this.listing = undefined;
  }

  /** Removes and closes a provider; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const provider = this.byId.get(id);
    if (!provider) return false;
    this.byId.delete(id);
    this.listing = undefined;
    await provider.close?.();
    return true;
  }

  /** Every provider's models as `<provider>/<model>`, plus `<model>` where only one provider has it. */
  async list(signal?: AbortSignal): Promise<ModelInfo[]> {
    return (await this.build(signal)).models;
  }

  /** A prefixed name without a listing; a bare name from the listing. Undefined when nothing offers it. */
  async route(name: string): Promise<DirectRoute | undefined> {
    const slash = name.indexOf("/");
    if (slash > 0 && this.byId.has(name.slice(0, slash))) {
      return { provider: name.slice(0, slash), model: name.slice(slash + 1) };
    }
    const ttl = this.options.ttlMs ?? 30_000;
    let current = this.listing && Date.now() - this.listing.builtAt < ttl ? this.listing : await this.build();
    if (!current.owners.has(name) && Date.now() - current.builtAt >= minimumRefreshMs) {
      current = await this.build();
    }
    const owners = current.owners.get(name) ?? [];
    const [only] = owners;
    if (owners.length === 1 && only) return { provider: only, model: name };
    if (owners.length > 1) {
      const names = owners.map((provider) => `'${provider}/${name}'`).join(", ");
      throw modelNotFound(name, `is offered by several providers; name one of ${names}`);
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.providers().map((provider) => provider.close?.()));
  }

  private build(signal?: AbortSignal): Promise<Listing> {
    this.building ??= this.listAll(signal).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async listAll(signal?: AbortSignal): Promise<Listing> {
    const listTimeoutMs = this.options.listTimeoutMs ?? 5_000;
    const listings = await Promise.all(
      this.providers().map(async (provider) => {
        try {
          const timeout = AbortSignal.timeout(listTimeoutMs);
          const models = await provider.listModels(signal ? AbortSignal.any([signal, timeout]) : timeout);
          return { provider, models };
        } catch (error) {
          this.options.onProviderError?.(provider.id, error);
          return { provider, models: [] };
        }
      }),
    );
    const owners = new Map<string, string[]>();
    const models: ModelInfo[] = [];
    const created = Math.floor(Date.now() / 1000);
    for (const { provider, models: offered } of listings) {
      for (const model of offered) {
        owners.set(model.id, [...(owners.get(model.id) ?? []), provider.id]);
        models.push({ id: `${provider.id}/${model.id}`, object: "model", created, owned_by: provider.id });
      }
    }
    for (const [model, providerIds] of owners) {
      if (providerIds.length === 1)
        models.push({ id: model, object: "model", created, owned_by: providerIds[0] ?? "" });
    }
    this.listing = { models, owners, builtAt: Date.now() };
    return this.listing;
  }
}
