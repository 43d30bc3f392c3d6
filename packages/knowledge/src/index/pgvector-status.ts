import type { Database } from "@nexus/core";
import { type Kysely, sql } from "kysely";
import { minimumPgvector, versionAtLeast } from "./pgvector-version.ts";

export interface PgvectorStatus {
  /** The server has the extension's files (`create extension vector` would work). */
  available: boolean;
  /** Version created in this database; null when not created. */
  installedVersion: string | null;
  /** Version the server would create; null when not available. */
  defaultVersion: string | null;
}

/**
 * Whether this PostgreSQL server has pgvector. Without it (or below 0.8) the PostgreSQL index
 * scores vectors by an exact scan in the Nexus process (`vectorBackend: "exact-scan"`): right
 * answers, but memory and time grow with every knowledge base's size, so `nexus doctor` says so.
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

/** What `nexus doctor` says of pgvector: whether knowledge-base vectors are searched with it, and if not why. */
export interface PgvectorReport {
  status: "ok" | "warn";
  detail: string;
  fix?: string;
}

export async function pgvectorReport(db: Kysely<Database>): Promise<PgvectorReport> {
  const status = await pgvectorStatus(db);
  const scanned =
    "knowledge-base vector search scans every vector in the Nexus process (exact, slower and memory-bound for large knowledge bases)";
  if (!status.available)
    return {
      status: "warn",
      detail: `not installed on this PostgreSQL server: ${scanned}`,
      fix: "Install pgvector 0.8 or later on the PostgreSQL server (e.g. apt-get install postgresql-<version>-pgvector), then: create extension vector",
    };
  if (!status.installedVersion)
    return {
      status: "ok",
      detail: `version ${status.defaultVersion} available on the server (not yet created in this database): Nexus creates it at start-up where its role may, and then uses it`,
    };
  if (!versionAtLeast(status.installedVersion, minimumPgvector))
    return {
      status: "warn",
      detail: `version ${status.installedVersion} installed but not used (Nexus needs ${minimumPgvector} or later, for filtered HNSW scans): ${scanned}`,
      fix: "Upgrade pgvector on the server, then in this database: alter extension vector update",
    };
  const { rows } = await sql<{
    table: string | null;
  }>`select to_regclass('knowledge_chunk_vectors')::text as table`.execute(db);
  if (!rows[0]?.table)
    return {
      status: "ok",
      detail: `version ${status.installedVersion} installed in this database: Nexus uses it for knowledge-base vectors from its next start`,
    };
  const { rows: indexes } = await sql<{ count: number }>`select count(*)::int as count from pg_indexes
    where schemaname = current_schema() and tablename = 'knowledge_chunk_vectors' and indexname like 'knowledge_chunk_vectors_hnsw_%'`.execute(
    db,
  );
  return {
    status: "ok",
    detail: `version ${status.installedVersion} installed and in use: knowledge-base vectors are searched in the database (knowledge_chunk_vectors, ${indexes[0]?.count ?? 0} HNSW cosine index(es), one per embedding length)`,
  };
}
