import { defaultWorkspaceSlug } from "@nexus/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { onShutdownSignal } from "../shutdown.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start the Nexus server and web app")
    .option("--port <port>", "port to listen on (NEXUS_PORT, default 3000)")
    .option("--host <host>", "address to bind (NEXUS_HOST, default 127.0.0.1)")
    .option("--data-dir <dir>", "data directory (NEXUS_DATA_DIR, default .nexus)")
    .action(async (options: { port?: string; host?: string; dataDir?: string }) => {
      const config = configFrom(options);
      // Loaded here, not at the top: the other commands never need the server and its dependencies.
      const { startNexus } = await import("@nexus/server");
      let nexus: Awaited<ReturnType<typeof startNexus>>;
      try {
        nexus = await startNexus(config);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE")
          throw new CliError(`Port ${config.port} is in use; pick another with --port`);
        if (code === "EACCES") throw new CliError(`Not allowed to listen on ${config.host}:${config.port}`);
        throw new CliError(`Nexus could not start: ${(error as Error).message}`);
      }
      const loginCode = nexus.loginCodes.issue(defaultWorkspaceSlug);
      // The sign-in link goes to the terminal, not the log stream, so it never lands in log storage.
      process.stderr.write(
        `\n  Nexus is running at ${nexus.url}\n  Open ${nexus.url}/#login=${loginCode} to sign in (one-time link)\n\n`,
      );
      onShutdownSignal(() => nexus.stop());
    });
}
