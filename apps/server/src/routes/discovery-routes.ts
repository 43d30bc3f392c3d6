import {
  type DiscoveredServer,
  localServerIds,
  modelCatalog,
  pullCommandFor,
  suggestedCatalogModels,
} from "@nexus/gateway";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { authErrors } from "./schemas.ts";

const discoveredServerSchema = z.object({
  id: z.enum(localServerIds),
  name: z.string(),
  baseURL: z.string(),
  models: z.array(z.string()),
  version: z.string().optional(),
});

const discoverySchema = z.object({
  data: z.array(discoveredServerSchema),
  /** When the probe that found these finished. */
  checkedAt: z.string(),
});

const catalogSchema = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      purpose: z.enum(["chat", "embedding"]),
      uri: z.string(),
      sizeBytes: z.number(),
      contextLength: z.number(),
      license: z.string(),
      quantization: z.string(),
      description: z.string(),
      pullCommand: z.string(),
    }),
  ),
  /** Names to offer first: one chat model, one embedding model. */
  suggested: z.array(z.string()),
});

const catalog = {
  data: modelCatalog.map((model) => ({ ...model, pullCommand: pullCommandFor(model) })),
  suggested: [...suggestedCatalogModels],
};

/**
 * `/api/gateway/discovery`: the local model servers (Ollama, Jan, LM Studio, vLLM, llama.cpp)
 * found on this machine, and `/api/gateway/catalog`: small GGUF models `nexus models pull` knows.
 * What the web app's first-run screen shows. Any signed-in key or session may read and re-probe:
 * the probe is cheap, bounded by its timeout, and concurrent requests share one.
 */
export function discoveryRoutes(deps: {
  discover: () => Promise<DiscoveredServer[]>;
}): FastifyPluginAsyncZod {
  let last: { data: DiscoveredServer[]; checkedAt: string } | undefined;
  let probing: Promise<{ data: DiscoveredServer[]; checkedAt: string }> | undefined;

  const probe = () => {
    probing ??= deps
      .discover()
      .then((data) => {
        last = { data, checkedAt: new Date().toISOString() };
        return last;
      })
      .finally(() => {
        probing = undefined;
      });
    return probing;
  };

  return async (app) => {
    const tags = ["gateway"];

    app.get(
      "/api/gateway/discovery",
      {
        schema: {
          tags,
          summary: "Local model servers found on this machine (probing once if never probed)",
          response: { 200: discoverySchema, ...authErrors },
        },
      },
      async () => last ?? probe(),
    );

    app.post(
      "/api/gateway/discovery",
      {
        schema: {
          tags,
          summary: "Probe for local model servers again now",
          response: { 200: discoverySchema, ...authErrors },
        },
      },
      async () => probe(),
    );

    app.get(
      "/api/gateway/catalog",
      {
        schema: {
          tags,
          summary: "Small GGUF models to pull with `nexus models pull <name>`",
          response: { 200: catalogSchema, ...authErrors },
        },
      },
      async () => catalog,
    );
  };
}
