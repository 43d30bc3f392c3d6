import {
  type ApiKeyInfo,
  createApiKey,
  defaultWorkspaceSlug,
  getWorkspaceBySlug,
  listApiKeys,
  NexusError,
  type Role,
  revokeApiKey,
  roles,
  type Store,
} from "@nexus/core";
import { type Command, Option } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom, type DataOptions } from "../global-options.ts";
import { withLocalStore } from "../local-store.ts";
import { RemoteClient } from "../remote-client.ts";
import { formatTable } from "../table.ts";
import { addDataOptions } from "./data-options.ts";

export function registerKeysCommand(program: Command): void {
  const keys = program.command("keys").description("Create, list and revoke workspace API keys");

  addDataOptions(
    keys
      .command("create")
      .description("Create an API key and print it once (only its hash is stored)")
      .addOption(new Option("--role <role>", "role of the key").choices(roles).default("member"))
      .option("--name <name>", "a label to tell keys apart"),
  ).action(async (options: DataOptions & { role: Role; name?: string }) => {
    if (options.name !== undefined && (options.name.trim() === "" || options.name.length > 100)) {
      throw new CliError("--name must be 1 to 100 characters", 2);
    }
    const created = options.url
      ? await (await remote(options)).request<ApiKeyInfo & { key: string }>("POST", "/api/keys", {
          role: options.role,
          ...(options.name ? { name: options.name } : {}),
        })
      : await withLocalStore(configFrom(options), async (store) => {
          const workspace = await localWorkspace(store, options);
          const { key, info } = await createApiKey(store.db, {
            workspaceId: workspace.id,
            role: options.role,
            name: options.name,
          });
          return { ...info, key };
        });
    if (options.json) {
      console.log(JSON.stringify(created, null, 2));
      return;
    }
    const where = options.workspace ?? (options.url ? "the key's workspace" : defaultWorkspaceSlug);
    console.error(`Created ${created.role} key ${created.id} in ${where}.`);
    console.error("This is the only time the key is shown; store it now:");
    console.log(created.key);
  });

  addDataOptions(
    keys.command("list").description("List API keys of a workspace").option("--all", "include revoked keys"),
  ).action(async (options: DataOptions & { all?: boolean }) => {
    const list = options.url
      ? (
          await (
            await remote(options)
          ).request<{ data: ApiKeyInfo[] }>("GET", `/api/keys${options.all ? "?includeRevoked=true" : ""}`)
        ).data
      : await withLocalStore(configFrom(options), async (store) => {
          const workspace = await localWorkspace(store, options);
          return listApiKeys(store.db, workspace.id, { includeRevoked: options.all });
        });
    if (options.json) {
      console.log(JSON.stringify(list, null, 2));
      return;
    }
    if (list.length === 0) {
      console.log(
        `No API keys in ${options.workspace ?? "this workspace"}. Create one with: nexus keys create`,
      );
      return;
    }
    console.log(
      formatTable(
        ["ID", "NAME", "ROLE", "PREFIX", "CREATED", "LAST USED", "REVOKED"],
        list.map((key) => [
          key.id,
          key.name,
          key.role,
          `${key.key_prefix}…`,
          key.created_at,
          key.last_used_at,
          key.revoked_at,
        ]),
      ),
    );
  });

  addDataOptions(
    keys.command("revoke").description("Revoke an API key").argument("<id>", "key id (from keys list)"),
  ).action(async (id: string, options: DataOptions) => {
    const revoked = options.url
      ? await (await remote(options)).request<ApiKeyInfo>("DELETE", `/api/keys/${encodeURIComponent(id)}`)
      : await withLocalStore(configFrom(options), async (store) => {
          const workspace = await localWorkspace(store, options);
          return revokeApiKey(store.db, workspace.id, id).catch(rethrowAsCli);
        });
    if (options.json) console.log(JSON.stringify(revoked, null, 2));
    else console.log(`Revoked key ${revoked.id} (${revoked.name}).`);
  });
}

/** The workspace a local command acts in: --workspace, or the default one. */
function localWorkspace(store: Store, options: DataOptions) {
  return getWorkspaceBySlug(store.db, options.workspace ?? defaultWorkspaceSlug).catch(rethrowAsCli);
}

async function remote(options: DataOptions & { url?: string }): Promise<RemoteClient> {
  const client = RemoteClient.fromEnvironment(options.url ?? "");
  await client.assertWorkspace(options.workspace);
  return client;
}

function rethrowAsCli(error: unknown): never {
  if (error instanceof NexusError) throw new CliError(error.message);
  throw error;
}
