import { type Config, createLogger } from "@nexus/core";
import type { Gateway } from "@nexus/gateway";

/** The same gateway `nexus start` builds, for one command without a server. */
export async function withLocalGateway<T>(
  config: Config,
  work: (gateway: Gateway) => Promise<T>,
): Promise<T> {
  // Loaded on demand: commands that never call a model should not pay for the gateway.
  const { createModelGateway } = await import("@nexus/server");
  const gateway = createModelGateway(config, createLogger("warn", process.stderr));
  try {
    return await work(gateway);
  } finally {
    await gateway.close();
  }
}
