import { type Kysely, SqliteAdapter, sql } from "kysely";

/**
 * Full-text search over chat messages, kept in step with `chat_messages` by triggers on insert,
 * content update (a generated answer is updated many times) and delete (including deletes
 * cascading from a conversation).
 *
 * PostgreSQL: each message's `simple` text-search vector (no stemming or stop words, so any
 * language works the same) in a side table with a GIN index. Stored rather than an expression
 * index on `to_tsvector('simple', content)`, so ranking many matches does not re-parse every
 * message (30,000 matches: ~3 s with the expression, well under a second stored), and rows read
 * from `chat_messages` do not carry the vector.
 *
 * SQLite: an FTS5 table. FTS5 rows are keyed by an integer; `chat_messages.rowid` is not stable
 * (VACUUM may renumber rowids of a table without an INTEGER PRIMARY KEY), so a small key table
 * maps message ids to FTS rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isSqlite(db)) {
    await upPostgres(db);
    return;
  }
  await sql`create table chat_message_search_keys (id integer primary key, message_id text not null unique)`.execute(
    db,
  );
  await sql`create virtual table chat_messages_fts using fts5(content, tokenize = 'unicode61 remove_diacritics 2')`.execute(
    db,
  );
  await sql`insert into chat_message_search_keys (message_id) select id from chat_messages order by created_at, id`.execute(
    db,
  );
  await sql`insert into chat_messages_fts (rowid, content)
    select keys.id, messages.content from chat_message_search_keys keys
    join chat_messages messages on messages.id = keys.message_id`.execute(db);
  await sql`create trigger chat_messages_search_insert after insert on chat_messages begin
    insert into chat_message_search_keys (message_id) values (new.id);
    insert into chat_messages_fts (rowid, content)
      values ((select id from chat_message_search_keys where message_id = new.id), new.content);
  end`.execute(db);
  await sql`create trigger chat_messages_search_update after update of content on chat_messages
    when old.content is not new.content begin
    update chat_messages_fts set content = new.content
      where rowid = (select id from chat_message_search_keys where message_id = old.id);
  end`.execute(db);
  await sql`create trigger chat_messages_search_delete after delete on chat_messages begin
    delete from chat_messages_fts where rowid = (select id from chat_message_search_keys where message_id = old.id);
    delete from chat_message_search_keys where message_id = old.id;
  end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isSqlite(db)) {
    await sql`drop trigger chat_messages_search_insert on chat_messages`.execute(db);
    await sql`drop trigger chat_messages_search_update on chat_messages`.execute(db);
    await sql`drop function chat_messages_search_sync()`.execute(db);
    await sql`drop table chat_message_search`.execute(db);
    return;
  }
  for (const trigger of ["insert", "update", "delete"]) {
    await sql.raw(`drop trigger chat_messages_search_${trigger}`).execute(db);
  }
  await sql`drop table chat_messages_fts`.execute(db);
  await sql`drop table chat_message_search_keys`.execute(db);
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`create table chat_message_search (
    message_id text primary key references chat_messages (id) on delete cascade,
    vector tsvector not null
  )`.execute(db);
  await sql`insert into chat_message_search (message_id, vector)
    select id, to_tsvector('simple', content) from chat_messages`.execute(db);
  await sql`create index chat_message_search_vector on chat_message_search using gin (vector)`.execute(db);
  // Deletes need no trigger: the foreign key cascades.
  await sql`create function chat_messages_search_sync() returns trigger language plpgsql as $$
    begin
      insert into chat_message_search (message_id, vector) values (new.id, to_tsvector('simple', new.content))
        on conflict (message_id) do update set vector = excluded.vector;
      return null;
    end
  $$`.execute(db);
  await sql`create trigger chat_messages_search_insert after insert on chat_messages
    for each row execute function chat_messages_search_sync()`.execute(db);
  await sql`create trigger chat_messages_search_update after update of content on chat_messages
    for each row when (old.content is distinct from new.content) execute function chat_messages_search_sync()`.execute(
    db,
  );
}

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
