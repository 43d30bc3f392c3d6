import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { onShutdownSignal } from "../shutdown.ts";

/**
 * A process that only runs queue jobs, for scaling workers apart from API replicas: workflow
 * runs and recorded browser tasks (with Redis; servers with NEXUS_SERVE_RUNS=false then run none
 * themselves) and knowledge ingestion. SIGTERM stops it gracefully: runs still going after NEXUS_SHUTDOWN_GRACE_MS are
 * stopped with their state stored and resume on another worker.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "Run a queue worker process: workflow runs, browser tasks and knowledge ingestion (no HTTP server)",
    )
    .option("--data-dir <dir>", "data directory (NEXUS_DATA_DIR, default .nexus)")
    .action(async (options: { dataDir?: string }) => {
      const config = configFrom(options);
      if (!config.redisUrl) {
        process.stderr.write(
          "Without NEXUS_REDIS_URL this worker takes only knowledge ingestion jobs; workflow runs stay in the server\n",
        );
      }
      // Loaded here, not at the top: the other commands never need the server and its dependencies.
      const { startWorker } = await import("@nexus/server");
      const worker = await startWorker(config).catch((error: Error) => {
        throw new CliError(`The worker could not start: ${error.message}`);
      });
      onShutdownSignal(() => worker.stop());
    });
}
