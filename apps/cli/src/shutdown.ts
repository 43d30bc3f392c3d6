/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0; a second signal exits at once.
 * Orchestrators send SIGTERM and wait, so in-flight requests and jobs get to finish.
 */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`Received ${signal}, shutting down gracefully...\n`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
