import { nexusVersion } from "@nexus/core";
import { Command, CommanderError } from "commander";
import { CliError } from "./cli-error.ts";
import { registerBrowseCommand } from "./commands/browse-command.ts";
import { registerChatCommand } from "./commands/chat-command.ts";
import { registerDoctorCommand } from "./commands/doctor-command.ts";
import { registerKbCommand } from "./commands/kb-command.ts";
import { registerKeysCommand } from "./commands/keys-command.ts";
import { registerModelsCommand } from "./commands/models-command.ts";
import { registerStartCommand } from "./commands/start-command.ts";
import { registerWorkerCommand } from "./commands/worker-command.ts";
import { registerWorkflowsCommand } from "./commands/workflows-command.ts";
import { registerWorkspacesCommand } from "./commands/workspaces-command.ts";

const program = new Command()
  .name("nexus")
  .description("Nexus: a self-hosted AI platform")
  .version(nexusVersion)
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerStartCommand(program);
registerWorkerCommand(program);
registerKeysCommand(program);
registerWorkspacesCommand(program);
registerModelsCommand(program);
registerChatCommand(program);
registerWorkflowsCommand(program);
registerKbCommand(program);
registerBrowseCommand(program);
registerDoctorCommand(program);
for (const command of program.commands) command.exitOverride();
for (const command of program.commands.flatMap((parent) => parent.commands)) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are exits with code 0; usage mistakes were already printed by commander.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError) {
    process.stderr.write(`nexus: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`nexus: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
