import type { Command } from "commander";
import { configFrom } from "../global-options.ts";
import { RemoteClient } from "../remote-client.ts";
import { formatTable } from "../table.ts";
import { withLocalGateway } from "./local-gateway.ts";
import { registerModelsCatalogCommand, registerModelsPullCommand } from "./models-pull-command.ts";

interface ModelEntry {
  id: string;
  owned_by: string;
}

export function registerModelsCommand(program: Command): void {
  const models = program.command("models").description("Models the gateway can route to");
  models
    .command("list")
    .description("List models: local GGUF files and configured upstreams (or a server's, with --url)")
    .option("--url <url>", "ask a running server (needs NEXUS_API_KEY)")
    .option("--data-dir <dir>", "local data directory")
    .option(
      "--workspace <slug>",
      "include this workspace's aliases and providers (local only; default nexus-os)",
    )
    .option("--json", "print JSON")
    .action(async (options: { url?: string; dataDir?: string; workspace?: string; json?: boolean }) => {
      const list = options.url
        ? (
            await RemoteClient.fromEnvironment(options.url).request<{ data: ModelEntry[] }>(
              "GET",
              "/v1/models",
            )
          ).data
        : await withLocalGateway(configFrom(options), options.workspace, (gateway, workspaceId) =>
            gateway.listModels({ workspaceId, signal: AbortSignal.timeout(30_000) }),
          );
      if (options.json) {
        console.log(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        const config = configFrom(options);
        console.log(
          `No models yet. Pull one (\`nexus models pull qwen2.5-0.5b-instruct\`, or see \`nexus models catalog\`), copy a .gguf file into ${config.modelsDir}, or point Nexus at a model server with NEXUS_OPENAI_UPSTREAMS.`,
        );
        return;
      }
      console.log(
        formatTable(
          ["MODEL", "PROVIDER"],
          list.map((model) => [model.id, model.owned_by]),
        ),
      );
    });
  registerModelsPullCommand(models);
  registerModelsCatalogCommand(models);
}
