import type { Logger } from "@nexus/core";
import {
  createOpenAICompatibleProvider,
  type DiscoveredServer,
  discoverLocalServers,
  type LocalServerCandidate,
  type ProviderCatalog,
} from "@nexus/gateway";

/**
 * Zero-config local model servers: each probe adds the servers it finds (Ollama, Jan, LM Studio,
 * vLLM, llama.cpp) as instance-wide providers named after the server (`ollama/llama3.2`), and
 * removes those it added that have gone away. A provider configured under the same id wins.
 */
export class LocalServerDiscovery {
  private readonly added = new Set<DiscoveredServer["id"]>();

  constructor(
    private readonly providers: ProviderCatalog,
    private readonly candidates: LocalServerCandidate[],
    private readonly logger: Logger,
  ) {}

  /**
   * `timeoutMs` per port (default 300 ms: a rescan someone waits for). The probe at start runs in
   * the background and may take longer: a server busy loading a model, or a machine busy starting
   * Nexus itself, answers late, and a miss there would hide its models until someone rescans.
   */
  async probe(options: { timeoutMs?: number } = {}): Promise<DiscoveredServer[]> {
    if (this.candidates.length === 0) return [];
    const found = await discoverLocalServers({ candidates: this.candidates, ...options });
    const ids = new Set(found.map((server) => server.id));
    for (const id of this.added) {
      if (!ids.has(id)) {
        this.added.delete(id);
        await this.providers.remove(id);
        this.logger.info({ provider: id }, "local model server went away; its models are no longer offered");
      }
    }
    for (const server of found) {
      if (this.providers.get(server.id)) continue;
      this.providers.add(createOpenAICompatibleProvider({ id: server.id, baseURL: server.baseURL }));
      this.added.add(server.id);
      this.logger.info(
        { provider: server.id, baseURL: server.baseURL, models: server.models.length },
        `found ${server.name}; its models are offered as ${server.id}/<model>`,
      );
    }
    return found;
  }
}
