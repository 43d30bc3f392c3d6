import type { Migration } from "kysely";
import * as workspacesAndKeys from "./0001-workspaces-and-keys.ts";

/**
 * Every migration, in order. Adding one is a new file and one line here; never edit or
 * reorder a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "0001-workspaces-and-keys": workspacesAndKeys,
};
