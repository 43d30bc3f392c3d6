import { type Config, describeStore, ensureDefaultWorkspaces, openStore, type Store } from "@nexus/core";
import { CliError } from "./cli-error.ts";

/** Opens the store of the local data directory (or NEXUS_DATABASE_URL) for one command, seeded as at first start. */
export async function withLocalStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    throw new CliError(
      `Cannot open the database at ${describeStore(config.database)}: ${(error as Error).message}`,
    );
  }
  try {
    await ensureDefaultWorkspaces(store.db);
    return await work(store);
  } finally {
    await store.close();
  }
}
