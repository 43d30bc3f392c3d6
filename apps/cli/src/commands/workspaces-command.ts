import { listWorkspaces, type Workspace } from "@nexus/core";
import type { Command } from "commander";
import { configFrom, type DataOptions } from "../global-options.ts";
import { withLocalStore } from "../local-store.ts";
import { RemoteClient } from "../remote-client.ts";
import { formatTable } from "../table.ts";

export function registerWorkspacesCommand(program: Command): void {
  const workspaces = program.command("workspaces").description("Workspaces (the sites Nexus serves)");
  workspaces
    .command("list")
    .description("List workspaces (locally all of them; with --url those the key may see)")
    .option("--url <url>", "ask a running server (needs NEXUS_API_KEY)")
    .option("--data-dir <dir>", "local data directory")
    .option("--json", "print JSON")
    .action(async (options: Omit<DataOptions, "workspace">) => {
      const list = options.url
        ? (
            await RemoteClient.fromEnvironment(options.url).request<{ data: Workspace[] }>(
              "GET",
              "/api/workspaces",
            )
          ).data
        : await withLocalStore(configFrom(options), (store) => listWorkspaces(store.db));
      if (options.json) console.log(JSON.stringify(list, null, 2));
      else
        console.log(
          formatTable(
            ["SLUG", "NAME", "ID"],
            list.map((workspace) => [workspace.slug, workspace.name, workspace.id]),
          ),
        );
    });
}
