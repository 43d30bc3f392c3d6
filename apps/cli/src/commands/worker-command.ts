import { createEventBus, createLogger, createQueue, describeStore, openStore } from "@nexus/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { onShutdownSignal } from "../shutdown.ts";

/**
 * A process that only runs queue jobs, for scaling workers apart from API replicas. Job
 * handlers are registered here as capabilities land (workflows, ingestion); until then it
 * holds its connections, answers signals and idles.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Run a queue worker process (no HTTP server)")
    .option("--data-dir <dir>", "data directory (NEXUS_DATA_DIR, default .nexus)")
    .action(async (options: { dataDir?: string }) => {
      const config = configFrom(options);
      const logger = createLogger(config.logLevel);
      const store = await openStore(config.database).catch((error: Error) => {
        throw new CliError(`Cannot open the database at ${describeStore(config.database)}: ${error.message}`);
      });
      const queue = await createQueue({
        redisUrl: config.redisUrl,
        store,
        onError: (error) => logger.warn({ err: error }, "queue error (recovering)"),
      });
      const events = await createEventBus({
        redisUrl: config.redisUrl,
        onListenerError: (error) => logger.error({ err: error }, "event listener failed"),
      });
      logger.info({ queue: queue.kind, events: events.kind }, "worker ready");
      const keepAlive = setInterval(() => {}, 60_000);
      onShutdownSignal(async () => {
        clearInterval(keepAlive);
        await queue.close(30_000);
        await events.close();
        await store.close();
        logger.info("worker stopped");
      });
    });
}
