import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type MigrationResult, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import { redactUrl } from "../config.ts";
import { migrations } from "./migrations/index.ts";
import type { Database } from "./schema.ts";

export type StoreOptions =
  | { kind: "sqlite"; file: string }
  /** `schema` puts every table in that PostgreSQL schema (created if missing); tests use one each. */
  | { kind: "postgres"; url: string; schema?: string; poolSize?: number };

/** An open store: a typed Kysely instance over SQLite or PostgreSQL. */
export interface Store {
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  /**
   * SQLite stores only: the connection itself, for a hot path that prepares a statement once.
   * Use it only inside `db.connection().execute(...)`, which holds Kysely's lock on it (a
   * transaction elsewhere may otherwise be open on it).
   */
  sqlite?: SQLite.Database;
  /** Runs `select 1`; throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where a store lives, safe to print: the SQLite file or the PostgreSQL URL without its password. */
export function describeStore(options: StoreOptions): string {
  return options.kind === "sqlite" ? options.file : redactUrl(options.url);
}

/** Opens the store and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.kind === "sqlite" ? openSqlite(options.file) : await openPostgres(options);
  try {
    await migrateToLatest(store.db, options.kind === "postgres" ? options.schema : undefined);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(file: string): Store {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: "sqlite",
    sqlite: database,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function openPostgres(options: { url: string; schema?: string; poolSize?: number }): Promise<Store> {
  const { schema } = options;
  // Loaded on demand so a SQLite start never pays for the PostgreSQL driver.
  const { default: pg } = await import("pg");
  // bigint columns (job timestamps) come back as strings by default; epoch milliseconds fit in a double.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name '${schema}'`);
  }
  // search_path as a startup option applies to every pooled connection before its first query.
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // A dropped connection must not crash the process; the next query reports the failure.
  pool.on("error", () => {});
  if (schema) await pool.query(`create schema if not exists "${schema}"`);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely's introspection lists tables across all schemas (and asks for each column's sequence); another
 * process dropping its own schema at that moment fails the listing with 3F000 or 42P01. The listing
 * runs before any migration, so no migration result is recorded then and trying again is safe.
 */
function isIntrospectionRace(error: unknown, results: MigrationResult[] | undefined): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return (code === "3F000" || code === "42P01") && !results?.some((result) => result.status === "Error");
}

async function migrateToLatest(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  // Without an explicit schema Kysely finds migration tables in any schema on the search path's
  // database and would skip creating them in a fresh one.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; attempt <= 5 && error && isIntrospectionRace(error, results); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((result) => result.status === "Error");
    throw new Error(`Database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`, {
      cause: error,
    });
  }
}
