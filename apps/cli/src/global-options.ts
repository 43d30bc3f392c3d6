import { type Config, ConfigError, loadConfig } from "@nexus/core";
import { CliError } from "./cli-error.ts";

/** Options every data command takes. */
export interface DataOptions {
  /** Unset means the default workspace locally, and the key's own workspace with --url. */
  workspace?: string;
  url?: string;
  dataDir?: string;
  json?: boolean;
}

/** Config from the environment with CLI flags on top; configuration problems become CLI errors. */
export function configFrom(flags: { port?: string; host?: string; dataDir?: string } = {}): Config {
  try {
    return loadConfig(process.env, {
      ...(flags.port !== undefined ? { NEXUS_PORT: flags.port } : {}),
      ...(flags.host !== undefined ? { NEXUS_HOST: flags.host } : {}),
      ...(flags.dataDir !== undefined ? { NEXUS_DATA_DIR: flags.dataDir } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}
