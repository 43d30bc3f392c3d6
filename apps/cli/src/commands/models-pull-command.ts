import { NexusError } from "@nexus/core";
import { formatBytes, modelCatalog, pullModel, suggestedCatalogModels } from "@nexus/gateway";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { formatTable } from "../table.ts";
import { createProgressReporter } from "./download-progress.ts";

interface PullOptions {
  name?: string;
  dataDir?: string;
  json?: boolean;
}

/** `nexus models pull <source>`: a catalog model, an hf: URI or a URL into NEXUS_MODELS_DIR. */
export function registerModelsPullCommand(models: Command): void {
  models
    .command("pull")
    .description("Download a GGUF model into the models directory (resumable: run it again after a stop)")
    .argument(
      "<source>",
      "a catalog name (see `nexus models catalog`), hf:<user>/<repo>/<file>.gguf, or an https URL",
    )
    .option("--name <model-id>", "save it as this model id instead")
    .option(
      "--data-dir <dir>",
      "local data directory (models go to NEXUS_MODELS_DIR, default <data dir>/models)",
    )
    .option("--json", "print JSON")
    .action(async (source: string, options: PullOptions) => {
      const { modelsDir } = configFrom(options);
      const controller = new AbortController();
      const stop = () => controller.abort(new Error("stopped"));
      // `on`, not `once`: signal-exit (loaded by the downloader's dependencies) re-raises a signal
      // that finds no other listener, which would kill the process before it says how to resume.
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      const progress = createProgressReporter();
      try {
        const pulled = await pullModel({
          source,
          modelsDir,
          modelId: options.name,
          signal: controller.signal,
          onProgress: (update) => progress.update(update),
        });
        progress.finish();
        if (options.json) {
          console.log(JSON.stringify(pulled, null, 2));
          return;
        }
        const purpose = pulled.catalog?.purpose;
        console.log(
          `${pulled.alreadyPresent ? "Already pulled" : "Pulled"} ${pulled.modelId} (${formatBytes(pulled.sizeBytes)}) into ${pulled.path}`,
        );
        console.log(
          purpose === "embedding"
            ? `Use it for embeddings as model local/${pulled.modelId} (POST /v1/embeddings).`
            : `Try it: nexus chat "Hello" --model local/${pulled.modelId}`,
        );
      } catch (error) {
        progress.finish();
        if (controller.signal.aborted) {
          process.stderr.write("Stopped. What arrived is kept: run the same command again to resume.\n");
          process.exitCode = 130;
          return;
        }
        if (error instanceof NexusError)
          throw new CliError(error.message, error.type === "invalid_request" ? 2 : 1);
        throw error;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}

/** `nexus models catalog`: the small models `pull` knows by name. */
export function registerModelsCatalogCommand(models: Command): void {
  models
    .command("catalog")
    .description("List the small GGUF models `nexus models pull <name>` knows")
    .option("--json", "print JSON")
    .action((options: { json?: boolean }) => {
      if (options.json) {
        console.log(JSON.stringify(modelCatalog, null, 2));
        return;
      }
      console.log(
        formatTable(
          ["NAME", "PURPOSE", "SIZE", "CONTEXT", "LICENSE"],
          modelCatalog.map((model) => [
            model.name,
            model.purpose,
            formatBytes(model.sizeBytes),
            model.contextLength >= 1024
              ? `${Math.round(model.contextLength / 1024)}k`
              : `${model.contextLength}`,
            model.license,
          ]),
        ),
      );
      console.log(`\nPull one with: nexus models pull ${suggestedCatalogModels[0]}`);
    });
}
