import { defaultWorkspaceSlug } from "@nexus/core";
import type { Command } from "commander";

/** Flags shared by commands that read or change data: local by default, or a server with --url. */
export function addDataOptions(command: Command): Command {
  return command
    .option(
      "--workspace <slug>",
      `workspace to act in (default: ${defaultWorkspaceSlug}; with --url: the key's)`,
    )
    .option(
      "--url <url>",
      "act on a running server (needs NEXUS_API_KEY) instead of the local data directory",
    )
    .option("--data-dir <dir>", "local data directory (default: NEXUS_DATA_DIR or .nexus)")
    .option("--json", "print JSON");
}
