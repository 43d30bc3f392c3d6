import {
  type Config,
  createEventBus,
  createLogger,
  createMetrics,
  defaultWorkspaceSlug,
  ensureDefaultWorkspaces,
  findWorkspaceBySlug,
  openStore,
} from "@nexus/core";
import type { Gateway } from "@nexus/gateway";
import { CliError } from "../cli-error.ts";

/**
 * The same gateway `nexus start` builds, on the local data directory, for one command without a
 * server: the workspace's aliases and providers route, its limits apply and its usage is recorded.
 */
export async function withLocalGateway<T>(
  config: Config,
  workspaceSlug: string | undefined,
  work: (gateway: Gateway, workspaceId: string) => Promise<T>,
): Promise<T> {
  // Loaded on demand: commands that never call a model should not pay for the gateway.
  const { createModelGateway } = await import("@nexus/server");
  const store = await openStore(config.database);
  try {
    await ensureDefaultWorkspaces(store.db);
    const slug = workspaceSlug ?? defaultWorkspaceSlug;
    const workspace = await findWorkspaceBySlug(store.db, slug);
    if (!workspace) throw new CliError(`No workspace '${slug}' (see \`nexus workspaces list\`)`, 2);
    const events = await createEventBus({ redisUrl: config.redisUrl });
    const models = await createModelGateway(config, createLogger("warn", process.stderr), {
      store,
      events,
      metrics: createMetrics(),
    });
    try {
      await models.discovery.probe();
      return await work(models.gateway, workspace.id);
    } finally {
      await models.close();
      await events.close();
    }
  } finally {
    await store.close();
  }
}
