import type { ModelInfo } from "./protocol/openai-chat.ts";
import type { ProviderCatalog } from "./provider-catalog.ts";
import type { ModelProvider } from "./providers/model-provider.ts";
import { modelNotFound, type ProviderError } from "./providers/provider-error.ts";
import { providerFactories } from "./providers/provider-factories.ts";
import { type Alias, settleAlias } from "./routing/gateway-config.ts";
import type { GatewayConfigStore } from "./routing/gateway-config-store.ts";
import { createRouter, type Router } from "./routing/router.ts";

/** What one workspace routes with: its aliases, its own providers and a router over both. */
export interface WorkspaceRoutes {
  aliases: Map<string, Alias>;
  providers: Map<string, ModelProvider>;
  router: Router;
  /** Names that are not aliases, resolved once to a one-deployment alias. */
  direct: Map<string, Alias>;
}

// Bounds the per-workspace memo of direct names, which clients choose.
const maxDirectNames = 1_000;

/**
 * Per-workspace routing state, built on first use and dropped when the workspace's configuration
 * changes (on any replica: GatewayConfigStore broadcasts changes). Instance-wide providers (from
 * config, the local GGUF provider, discovered servers) are shared by every workspace.
 */
export class WorkspaceRouting {
  private readonly states = new Map<string, Promise<WorkspaceRoutes>>();
  private readonly stopListening: (() => void) | undefined;

  constructor(
    private readonly instance: ProviderCatalog,
    private readonly config: GatewayConfigStore | undefined,
    private readonly onProviderError?: (providerId: string, error: unknown) => void,
    private readonly onAttemptFailure?: (deploymentId: string, error: ProviderError) => void,
  ) {
    this.stopListening = config?.onChange((workspaceId) => void this.invalidate(workspaceId));
  }

  get(workspaceId: string): Promise<WorkspaceRoutes> {
    let state = this.states.get(workspaceId);
    if (!state) {
      state = this.load(workspaceId);
      this.states.set(workspaceId, state);
      // A failed load (database down) is not remembered: the next request tries again.
      state.catch(() => this.states.delete(workspaceId));
    }
    return state;
  }

  /** The alias a client's `model` names: the workspace's alias, else a provider's model. */
  async resolve(workspaceId: string, name: string): Promise<{ alias: Alias; routes: WorkspaceRoutes }> {
    const routes = await this.get(workspaceId);
    const alias = routes.aliases.get(name) ?? routes.direct.get(name);
    if (alias) return { alias, routes };
    const direct = await this.directRoute(routes, name);
    if (!direct) throw modelNotFound(name);
    const resolved = settleAlias({
      name,
      description: "",
      strategy: "weighted",
      deployments: [{ provider: direct.provider, model: direct.model, weight: 1 }],
      retries: 0,
      timeouts: {},
    });
    if (routes.direct.size >= maxDirectNames) routes.direct.clear();
    routes.direct.set(name, resolved);
    return { alias: resolved, routes };
  }

  /** A provider as this workspace sees it: its own, else the instance's. */
  provider(routes: WorkspaceRoutes, id: string): ModelProvider | undefined {
    return routes.providers.get(id) ?? this.instance.get(id);
  }

  /** Aliases first, then the workspace's providers' models, then the instance's. */
  async listModels(workspaceId: string, signal?: AbortSignal): Promise<ModelInfo[]> {
    const routes = await this.get(workspaceId);
    const created = Math.floor(Date.now() / 1000);
    const aliases: ModelInfo[] = [...routes.aliases.values()].map((alias) => ({
      id: alias.name,
      object: "model",
      created,
      owned_by: "alias",
    }));
    const own = await Promise.all(
      [...routes.providers.values()].map(async (provider) => {
        try {
          const models = await provider.listModels(signal ?? AbortSignal.timeout(5_000));
          return models.map(
            (model): ModelInfo => ({
              id: `${provider.id}/${model.id}`,
              object: "model",
              created,
              owned_by: provider.id,
            }),
          );
        } catch (error) {
          this.onProviderError?.(provider.id, error);
          return [];
        }
      }),
    );
    return [...aliases, ...own.flat(), ...(await this.instance.list(signal))];
  }

  /** Drops a workspace's state; its providers and router close once requests in flight are done. */
  async invalidate(workspaceId: string): Promise<void> {
    const state = this.states.get(workspaceId);
    this.states.delete(workspaceId);
    if (state) await closeRoutes(await state.catch(() => undefined));
  }

  async close(): Promise<void> {
    this.stopListening?.();
    const states = [...this.states.values()];
    this.states.clear();
    await Promise.all(states.map(async (state) => closeRoutes(await state.catch(() => undefined))));
  }

  private async load(workspaceId: string): Promise<WorkspaceRoutes> {
    const providers = new Map<string, ModelProvider>();
    const aliases = new Map<string, Alias>();
    if (this.config) {
      for (const config of await this.config.providerConfigs(workspaceId)) {
        const factory = providerFactories[config.kind];
        if (factory && !this.instance.get(config.id)) providers.set(config.id, factory(config));
      }
      for (const config of await this.config.listAliases(workspaceId))
        aliases.set(config.name, settleAlias(config));
    }
    const router = createRouter({
      provider: (id) => providers.get(id) ?? this.instance.get(id),
      activeCheckIntervalMs: 10_000,
      health: { onFailure: this.onAttemptFailure },
    });
    return { aliases, providers, router, direct: new Map() };
  }

  private async directRoute(routes: WorkspaceRoutes, name: string) {
    const slash = name.indexOf("/");
    if (slash > 0 && routes.providers.has(name.slice(0, slash))) {
      return { provider: name.slice(0, slash), model: name.slice(slash + 1) };
    }
    return this.instance.route(name);
  }
}

async function closeRoutes(routes: WorkspaceRoutes | undefined): Promise<void> {
  if (!routes) return;
  routes.router.close();
  await Promise.allSettled([...routes.providers.values()].map((provider) => provider.close?.()));
}
