import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { RemoteClient } from "../remote-client.ts";
import { runBrowseLocally } from "./browse-local.ts";

export type BrowseOperation = "act" | "extract" | "observe" | "agent";

export interface BrowseOptions {
  url: string;
  model?: string;
  var?: string[];
  secret?: string[];
  schema?: string;
  maxSteps?: string;
  server?: string;
  dataDir?: string;
  workspace?: string;
}

const summaries: Record<BrowseOperation, [string, string]> = {
  act: ["Do one action on the page, described in words", "instruction"],
  extract: ["Extract data from the page (into --schema when given)", "instruction"],
  observe: ["List the actions on the page matching a description", "instruction"],
  agent: ["Reach a goal in several steps", "goal"],
};

/** `nexus browse act|extract|observe|agent <text> --url <page>` and `nexus browse settings`. */
export function registerBrowseCommand(program: Command): void {
  const browse = program.command("browse").description("Browser automation (Stagehand on headless Chromium)");
  for (const operation of Object.keys(summaries) as BrowseOperation[]) {
    const [description, argument] = summaries[operation];
    const command = browse
      .command(operation)
      .description(description)
      .argument(`<${argument}>`, `what to ${operation === "agent" ? "achieve" : operation}`)
      .requiredOption("--url <url>", "the page to start on")
      .option("--model <model>", "gateway model or alias (default: the workspace's first model)")
      .option(
        "--var <name=value...>",
        "variable for %name% in the text (sent to the page, never to the model)",
      )
      .option("--secret <name=ENV...>", "variable whose value is read from an environment variable")
      .option("--server <url>", "use a running server (needs NEXUS_API_KEY)")
      .option("--data-dir <dir>", "local data directory")
      .option("--workspace <slug>", "workspace whose policy, cache and models apply (local only)");
    if (operation === "extract")
      command.option("--schema <json|@file>", "JSON Schema (type object) of the data");
    if (operation === "agent") command.option("--max-steps <n>", "most steps the agent may take");
    command.action(async (text: string, options: BrowseOptions) => {
      const body = requestBody(operation, text, options);
      const output = options.server
        ? await RemoteClient.fromEnvironment(options.server).request<{ result: unknown }>(
            "POST",
            `/api/browser/${operation}`,
            body,
          )
        : await runBrowseLocally(configFrom(options), options.workspace, operation, body);
      process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    });
  }
  browse
    .command("settings")
    .description("Show or change the workspace's URL allow/deny lists and limits (local)")
    .option("--allow <patterns>", "comma-separated URL patterns to allow (replaces the list)")
    .option("--deny <patterns>", "comma-separated URL patterns to refuse (replaces the list)")
    .option("--max-steps <n>", "most steps per agent run or task")
    .option("--max-duration-ms <n>", "most milliseconds per operation")
    .option("--data-dir <dir>", "local data directory")
    .option("--workspace <slug>", "workspace (default nexus-os)")
    .action(async (options: Record<string, string | undefined>) => {
      const { changeSettingsLocally } = await import("./browse-local.ts");
      const settings = await changeSettingsLocally(configFrom(options), options.workspace, options);
      process.stdout.write(`${JSON.stringify(settings, null, 2)}\n`);
    });
}

function requestBody(
  operation: BrowseOperation,
  text: string,
  options: BrowseOptions,
): Record<string, unknown> {
  const variables = {
    ...pairs(options.var, "--var", (value) => value),
    ...pairs(options.secret, "--secret", fromEnvironment),
  };
  const body: Record<string, unknown> = {
    url: options.url,
    ...(options.model ? { model: options.model } : {}),
  };
  if (operation === "agent") {
    body.goal = text;
    if (options.maxSteps !== undefined) {
      const maxSteps = Number(options.maxSteps);
      if (!Number.isInteger(maxSteps) || maxSteps < 1)
        throw new CliError("--max-steps must be a positive whole number", 2);
      body.maxSteps = maxSteps;
    }
  } else body.instruction = text;
  if ((operation === "act" || operation === "agent") && Object.keys(variables).length)
    body.variables = variables;
  if (operation === "extract" && options.schema) body.schema = parseSchema(options.schema);
  return body;
}

function pairs(
  values: string[] | undefined,
  flag: string,
  read: (value: string) => string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of values ?? []) {
    const at = pair.indexOf("=");
    const name = pair.slice(0, at);
    if (at < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new CliError(`${flag} takes name=value, got '${pair}'`, 2);
    result[name] = read(pair.slice(at + 1));
  }
  return result;
}

function fromEnvironment(name: string): string {
  const value = process.env[name];
  if (value === undefined)
    throw new CliError(`--secret names ${name}, which is not set in the environment`, 2);
  return value;
}

function parseSchema(text: string): unknown {
  let source = text;
  if (text.startsWith("@")) {
    try {
      source = readFileSync(text.slice(1), "utf8");
    } catch (error) {
      throw new CliError(`Cannot read --schema file ${text.slice(1)}: ${(error as Error).message}`, 2);
    }
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new CliError("--schema is not valid JSON", 2);
  }
}
