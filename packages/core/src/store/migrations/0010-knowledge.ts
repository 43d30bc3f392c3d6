import { type ColumnDefinitionBuilder, type Kysely, SqliteAdapter, sql } from "kysely";

/**
 * Knowledge bases (issue 7): knowledge bases, documents with their original files, chunks with
 * embeddings, and a full-text index over chunks.
 *
 * Chunks carry an integer `key` as well as their text id: SQLite's FTS5 rows are keyed by an
 * integer, and an INTEGER PRIMARY KEY is a stable rowid (VACUUM never renumbers it). Embeddings
 * are little-endian float32 blobs in both stores; SQLite scores them with sqlite-vec's functions,
 * PostgreSQL (where pgvector is not installed) by an exact scan in the server process.
 *
 * Full text: SQLite FTS5 with the Porter stemmer (a second column, `base`, holds the knowledge
 * base as one token, so a search is narrowed inside the full-text index itself); PostgreSQL a stored `english` tsvector (Snowball
 * stemmer and stop words) in a side table with a GIN index. Both are written by the knowledge
 * package in the same transaction as the chunk, so no trigger is needed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const workspace = (column: ColumnDefinitionBuilder) =>
    column.notNull().references("workspaces.id").onDelete("cascade");
  const binary = sqlite ? "blob" : "bytea";

  await db.schema
    .createTable("knowledge_bases")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("description", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("embedding_model", "text", (column) => column.notNull())
    .addColumn("embedding_dimensions", "integer")
    .addColumn("settings", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("embedding_tokens", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("index_version", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("chunk_count", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .addUniqueConstraint("knowledge_bases_workspace_name", ["workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("knowledge_documents")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("knowledge_base_id", "text", (column) =>
      column.notNull().references("knowledge_bases.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", workspace)
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("source", "text", (column) => column.notNull())
    .addColumn("source_uri", "text")
    .addColumn("mime_type", "text", (column) => column.notNull())
    .addColumn("size_bytes", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("content_hash", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("error", "text")
    .addColumn("version", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("progress", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("metadata", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("parsed_text", "text")
    .addColumn("chunk_count", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("changed_at", "text", (column) => column.notNull())
    .addColumn("indexed_at", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("knowledge_documents_base")
    .on("knowledge_documents")
    .columns(["knowledge_base_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("knowledge_documents_source")
    .on("knowledge_documents")
    .columns(["knowledge_base_id", "source_uri"])
    .execute();

  await db.schema
    .createTable("knowledge_files")
    .addColumn("document_id", "text", (column) =>
      column.primaryKey().references("knowledge_documents.id").onDelete("cascade"),
    )
    .addColumn("data", binary, (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("knowledge_chunks")
    .addColumn("key", sqlite ? "integer" : "bigserial", (column) => column.primaryKey())
    .addColumn("id", "text", (column) => column.notNull().unique())
    .addColumn("knowledge_base_id", "text", (column) =>
      column.notNull().references("knowledge_bases.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", workspace)
    .addColumn("document_id", "text", (column) =>
      column.notNull().references("knowledge_documents.id").onDelete("cascade"),
    )
    .addColumn("position", "integer", (column) => column.notNull())
    .addColumn("content", "text", (column) => column.notNull())
    .addColumn("content_hash", "text", (column) => column.notNull())
    .addColumn("parent_content", "text")
    .addColumn("page", "integer")
    .addColumn("metadata", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("embedding", binary)
    .addColumn("edited", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("knowledge_chunks_document")
    .on("knowledge_chunks")
    .columns(["document_id", "position"])
    .execute();
  await db.schema
    .createIndex("knowledge_chunks_base")
    .on("knowledge_chunks")
    .column("knowledge_base_id")
    .execute();

  // Document frequency of each analysed term per knowledge base: the built-in embedder weights a
  // query's terms by their IDF in the knowledge base searched.
  await db.schema
    .createTable("knowledge_terms")
    .addColumn("knowledge_base_id", "text", (column) =>
      column.notNull().references("knowledge_bases.id").onDelete("cascade"),
    )
    .addColumn("term", "text", (column) => column.notNull())
    .addColumn("df", "integer", (column) => column.notNull())
    .addPrimaryKeyConstraint("knowledge_terms_key", ["knowledge_base_id", "term"])
    .execute();

  if (sqlite) {
    await sql`create virtual table knowledge_chunks_fts using fts5(content, base, tokenize = 'porter unicode61 remove_diacritics 2')`.execute(
      db,
    );
  } else {
    await sql`create table knowledge_chunk_search (
      chunk_key bigint primary key references knowledge_chunks (key) on delete cascade,
      vector tsvector not null
    )`.execute(db);
    await sql`create index knowledge_chunk_search_vector on knowledge_chunk_search using gin (vector)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`drop table knowledge_chunks_fts`.execute(db);
  } else {
    await sql`drop table knowledge_chunk_search`.execute(db);
  }
  for (const table of [
    "knowledge_terms",
    "knowledge_chunks",
    "knowledge_files",
    "knowledge_documents",
    "knowledge_bases",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
