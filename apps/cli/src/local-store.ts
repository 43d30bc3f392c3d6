import { type Config, ensureDefaultWorkspaces, openStore, redactUrl, type Store } from "@nexus/core";
import { CliError } from "./cli-error.ts";

/** Opens the store of the local data directory (or NEXUS_DATABASE_URL) for one command, seeded as at first start. */
export async function withLocalStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store =
      config.database.kind === "sqlite"
        ? await openStore({ kind: "sqlite", file: config.database.file })
        : await openStore({ kind: "postgres", url: config.database.url });
  } catch (error) {
    const where = config.database.kind === "sqlite" ? config.database.file : redactUrl(config.database.url);
    throw new CliError(`Cannot open the database at ${where}: ${(error as Error).message}`);
  }
  try {
    await ensureDefaultWorkspaces(store.db);
    return await work(store);
  } finally {
    await store.close();
  }
}
