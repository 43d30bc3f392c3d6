import { useCallback, useEffect, useState } from "react";
import { apiClient, messageOf } from "./api-client.ts";
import type { Catalog, Discovery, ModelList } from "./api-types.ts";

/** A value loaded from the server, or why it could not be. */
export type Loaded<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "failed"; error: string };

export interface ModelSetup {
  models: Loaded<ModelList["data"]>;
  /** Loaded only once the workspace turns out to have no model. */
  discovery: Loaded<Discovery>;
  catalog: Loaded<Catalog>;
  /** A "scan again" probe is running. */
  scanning: boolean;
  refreshModels(): Promise<void>;
  scanAgain(): Promise<void>;
}

const loading = { status: "loading" } as const;

async function load<T>(fetcher: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { status: "ready", value: await fetcher() };
  } catch (error) {
    return { status: "failed", error: messageOf(error) };
  }
}

/**
 * What the first-run screen needs: the gateway's models (`GET /v1/models`) and, when there are
 * none, what discovery found on the Nexus machine and the catalog of models to pull.
 */
export function useModelSetup(): ModelSetup {
  const [models, setModels] = useState<Loaded<ModelList["data"]>>(loading);
  const [discovery, setDiscovery] = useState<Loaded<Discovery>>(loading);
  const [catalog, setCatalog] = useState<Loaded<Catalog>>(loading);
  const [scanning, setScanning] = useState(false);

  const refreshModels = useCallback(async () => {
    const result = await load(() => apiClient.models());
    setModels(result.status === "ready" ? { status: "ready", value: result.value.data } : result);
  }, []);

  useEffect(() => {
    void refreshModels();
  }, [refreshModels]);

  const noModels = models.status === "ready" && models.value.length === 0;
  useEffect(() => {
    if (!noModels) return;
    let unmounted = false;
    void (async () => {
      const [found, known] = await Promise.all([load(apiClient.discovery), load(apiClient.catalog)]);
      if (unmounted) return;
      setDiscovery(found);
      setCatalog(known);
    })();
    return () => {
      unmounted = true;
    };
  }, [noModels]);

  const scanAgain = useCallback(async () => {
    setScanning(true);
    try {
      setDiscovery(await load(apiClient.discoverAgain));
      // Nexus offers what it finds: the model list may have grown too.
      await refreshModels();
    } finally {
      setScanning(false);
    }
  }, [refreshModels]);

  return { models, discovery, catalog, scanning, refreshModels, scanAgain };
}
