import type { Migration } from "kysely";
import * as workspacesAndKeys from "./0001-workspaces-and-keys.ts";
import * as jobs from "./0002-jobs.ts";

/**
 * Every migration, in order. Adding one is a new file and one line here; never edit or
 * reorder a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "0001-workspaces-and-keys": workspacesAndKeys,
  "0002-jobs": jobs,
};
