import { conflict, type Database, newId, notFound, type SecretBox } from "@nexus/core";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { McpServerConfig, McpServerDirectory } from "./mcp-servers.ts";

/** An MCP server as the API shows it: header names only, never their values. */
export interface McpServerView {
  id: string;
  /** The identifier DSL tool and agent nodes name it by (`provider_id`). */
  providerId: string;
  url: string;
  /** Names of the headers sent with every request (their values are secret). */
  headerNames: string[];
  createdAt: string;
}

/** Headers names the MCP client sets itself, refused so a stored server cannot break the protocol. */
const reservedHeaders = new Set(["content-type", "content-length", "accept", "host", "mcp-session-id"]);

/** A new server as the API takes it (strict: clear messages for people). */
export const newMcpServerSchema = z.strictObject({
  providerId: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
      "providerId must be 1-128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit",
    ),
  url: z
    .string()
    .trim()
    .max(2048, "url must be at most 2048 characters")
    .regex(/^https?:\/\//i, "url must start with http:// or https://")
    .pipe(z.url({ message: "url is not a valid URL" })),
  headers: z
    .record(
      z.string(),
      z
        .string()
        .max(8192, "a header value must be at most 8192 characters")
        .regex(/^[^\r\n\0]*$/, "a header value must not contain line breaks"),
    )
    // Checked here, not as the record's key schema: zod reports a bad key only as "Invalid key".
    .superRefine((headers, context) => {
      const names = Object.keys(headers);
      if (names.length > 32) context.addIssue({ code: "custom", message: "at most 32 headers" });
      for (const name of names) {
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(name))
          context.addIssue({
            code: "custom",
            path: [name],
            message: "a header name may hold only token characters",
          });
        else if (reservedHeaders.has(name.toLowerCase()))
          context.addIssue({ code: "custom", path: [name], message: "this header is set by the MCP client" });
      }
    })
    .optional(),
});
export type NewMcpServer = z.infer<typeof newMcpServerSchema>;

/** Changes to a server: any of its fields; `headers`, when given, replaces all of them (`{}` clears). */
export const mcpServerChangesSchema = newMcpServerSchema
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, {
    message: "give at least one of providerId, url or headers",
  });
export type McpServerChanges = z.infer<typeof mcpServerChangesSchema>;

type Row = Database["workflow_mcp_servers"];

const taken = (providerId: string) =>
  conflict(`An MCP server with providerId '${providerId}' exists in this workspace`);

function viewOf(row: Row): McpServerView {
  return {
    id: row.id,
    providerId: row.provider_id,
    url: row.url,
    headerNames: JSON.parse(row.header_names) as string[],
    createdAt: row.created_at,
  };
}

/**
 * A workspace's MCP servers in the database: the `McpServerDirectory` the server and workers
 * pass to workflow runs, and what `/api/workflows/mcp-servers` edits. Headers are sealed at rest.
 *
 * @example
 * const servers = new McpServerStore(db, createSecretBox(instanceSecret(config)));
 * await servers.create(workspaceId, { providerId: "wing-tools", url: "https://tools.example.com/mcp" });
 * await servers.find(workspaceId, "wing-tools"); // { url, headers }
 */
export class McpServerStore implements McpServerDirectory {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async list(workspaceId: string): Promise<McpServerView[]> {
    const rows = await this.db
      .selectFrom("workflow_mcp_servers")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("provider_id")
      .execute();
    return rows.map(viewOf);
  }

  async create(workspaceId: string, server: NewMcpServer): Promise<McpServerView> {
    const row: Row = {
      id: newId("mcp"),
      workspace_id: workspaceId,
      provider_id: server.providerId,
      url: server.url,
      ...this.sealedHeaders(server.headers ?? {}),
      created_at: new Date().toISOString(),
    };
    if (await this.rowByProvider(workspaceId, server.providerId)) throw taken(server.providerId);
    try {
      await this.db.insertInto("workflow_mcp_servers").values(row).execute();
    } catch (error) {
      // Two requests racing for the same identifier: the unique constraint decides.
      if (await this.rowByProvider(workspaceId, server.providerId)) throw taken(server.providerId);
      throw error;
    }
    return viewOf(row);
  }

  /**
   * Changes a server in place. Headers are replaced only when given (and sealed again). Nothing
   * caches a server's settings or client across tool calls (`find` reads the row each time), so
   * the next tool call, in this process or a worker, uses the new settings.
   */
  async update(workspaceId: string, id: string, changes: McpServerChanges): Promise<McpServerView> {
    const current = await this.rowById(workspaceId, id);
    if (!current) throw notFound("MCP server", id);
    const row: Row = {
      ...current,
      ...(changes.providerId !== undefined ? { provider_id: changes.providerId } : {}),
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.headers !== undefined ? this.sealedHeaders(changes.headers) : {}),
    };
    const renamed = row.provider_id !== current.provider_id;
    if (renamed && (await this.rowByProvider(workspaceId, row.provider_id))) throw taken(row.provider_id);
    try {
      const result = await this.db
        .updateTable("workflow_mcp_servers")
        .set({
          provider_id: row.provider_id,
          url: row.url,
          headers_ciphertext: row.headers_ciphertext,
          header_names: row.header_names,
        })
        .where("workspace_id", "=", workspaceId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound("MCP server", id);
    } catch (error) {
      // A rename racing another request for the same identifier: the unique constraint decides.
      const holder = renamed ? await this.rowByProvider(workspaceId, row.provider_id) : undefined;
      if (holder && holder.id !== id) throw taken(row.provider_id);
      throw error;
    }
    return viewOf(row);
  }

  /** The server by its id, with its headers unsealed: for connecting, never for answering the API. */
  async get(workspaceId: string, id: string): Promise<{ view: McpServerView; config: McpServerConfig }> {
    const row = await this.rowById(workspaceId, id);
    if (!row) throw notFound("MCP server", id);
    return { view: viewOf(row), config: this.configOf(row) };
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const result = await this.db
      .deleteFrom("workflow_mcp_servers")
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound("MCP server", id);
  }

  /** McpServerDirectory: the workspace's server with this `provider_id`. */
  async find(workspaceId: string, serverId: string): Promise<McpServerConfig | undefined> {
    const row = await this.rowByProvider(workspaceId, serverId);
    return row ? this.configOf(row) : undefined;
  }

  private rowById(workspaceId: string, id: string): Promise<Row | undefined> {
    return this.db
      .selectFrom("workflow_mcp_servers")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  private sealedHeaders(headers: Record<string, string>): Pick<Row, "headers_ciphertext" | "header_names"> {
    const names = Object.keys(headers);
    return {
      headers_ciphertext: names.length > 0 ? this.secrets.seal(JSON.stringify(headers)) : null,
      header_names: JSON.stringify(names),
    };
  }

  private rowByProvider(workspaceId: string, providerId: string): Promise<Row | undefined> {
    return this.db
      .selectFrom("workflow_mcp_servers")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("provider_id", "=", providerId)
      .executeTakeFirst();
  }

  private configOf(row: Row): McpServerConfig {
    if (row.headers_ciphertext === null) return { url: row.url };
    return {
      url: row.url,
      headers: JSON.parse(this.secrets.open(row.headers_ciphertext)) as Record<string, string>,
    };
  }
}
