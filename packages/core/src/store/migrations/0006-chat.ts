import type { Kysely } from "kysely";

/** Chat: agents, conversations, a message tree per conversation, and feedback on messages. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const workspace = (column: import("kysely").ColumnDefinitionBuilder) =>
    column.notNull().references("workspaces.id").onDelete("cascade");

  await db.schema
    .createTable("chat_agents")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("avatar", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("description", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("system_prompt", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("params", "text", (column) => column.notNull().defaultTo("{}"))
    .addColumn("opening_message", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("suggested_questions", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("tools", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("knowledge_bases", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("chat_agents_workspace").on("chat_agents").column("workspace_id").execute();

  await db.schema
    .createTable("chat_conversations")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("workspace_id", "text", workspace)
    .addColumn("owner_id", "text", (column) => column.notNull())
    .addColumn("agent_id", "text", (column) => column.references("chat_agents.id").onDelete("set null"))
    .addColumn("title", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("model", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("folder", "text")
    .addColumn("pinned", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("active_leaf_id", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("chat_conversations_owner")
    .on("chat_conversations")
    .columns(["workspace_id", "owner_id", "updated_at"])
    .execute();

  await db.schema
    .createTable("chat_messages")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("conversation_id", "text", (column) =>
      column.notNull().references("chat_conversations.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", workspace)
    .addColumn("parent_id", "text")
    .addColumn("role", "text", (column) => column.notNull())
    .addColumn("content", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("parts", "text", (column) => column.notNull().defaultTo("[]"))
    .addColumn("status", "text", (column) => column.notNull().defaultTo("complete"))
    .addColumn("error", "text")
    .addColumn("model", "text")
    .addColumn("usage", "text")
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("chat_messages_conversation")
    .on("chat_messages")
    .columns(["conversation_id", "created_at"])
    .execute();
  await db.schema.createIndex("chat_messages_parent").on("chat_messages").column("parent_id").execute();

  await db.schema
    .createTable("chat_feedback")
    .addColumn("message_id", "text", (column) =>
      column.primaryKey().references("chat_messages.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", workspace)
    .addColumn("rating", "text")
    .addColumn("comment", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("created_at", "text", (column) => column.notNull())
    .addColumn("updated_at", "text", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("chat_feedback").execute();
  await db.schema.dropTable("chat_messages").execute();
  await db.schema.dropTable("chat_conversations").execute();
  await db.schema.dropTable("chat_agents").execute();
}
