import type { Database } from "@nexus/core";
import { type Kysely, sql } from "kysely";

export interface PgvectorStatus {
  /** The server has the extension's files (`create extension vector` would work). */
  available: boolean;
  /** Version created in this database; null when not created. */
  installedVersion: string | null;
  /** Version the server would create; null when not available. */
  defaultVersion: string | null;
}

/**
 * Whether this PostgreSQL server has pgvector. Without it the PostgreSQL index scores vectors by
 * an exact scan in the Nexus process (`vectorBackend: "exact-scan"`): right answers, but memory
 * and time grow with every knowledge base's size, so `nexus doctor` says so.
 */
export async function pgvectorStatus(db: Kysely<Database>): Promise<PgvectorStatus> {
  const { rows } = await sql<{ default_version: string | null; installed_version: string | null }>`
    select default_version, installed_version from pg_available_extensions where name = 'vector'`.execute(db);
  const row = rows[0];
  return {
    available: row !== undefined,
    installedVersion: row?.installed_version ?? null,
    defaultVersion: row?.default_version ?? null,
  };
}
