import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import { type Config, createEventBus, describeStore, openStore, redactUrl } from "@nexus/core";
import { pgvectorReport } from "@nexus/knowledge";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { configFrom } from "../global-options.ts";
import { checkModelSources } from "./doctor-models.ts";

const run = promisify(execFile);

export interface CheckResult {
  /** Checks that belong together (e.g. "Models") are printed under this heading. */
  section?: string;
  name: string;
  /** ok: fine; info: nothing to fix; warn: works without it; fail: Nexus cannot run until fixed. */
  status: "ok" | "info" | "warn" | "fail";
  detail: string;
  fix?: string;
}

export const defaultChromiumPath = "/usr/bin/chromium";

/** Checks what Nexus needs on this machine and says how to fix what is missing. */
export async function runDoctor(config: Config): Promise<CheckResult[]> {
  return [
    checkNode(),
    checkDataDir(config.dataDir),
    await checkDatabase(config),
    ...(config.database.kind === "postgres" ? [await checkPgvector(config.database)] : []),
    await checkRedis(config.redisUrl),
    ...(await checkModelSources(config)),
    await checkChromium(process.env.NEXUS_CHROMIUM_PATH ?? defaultChromiumPath),
  ];
}

function checkNode(): CheckResult {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return ok
    ? { name: "Node.js", status: "ok", detail: `v${process.versions.node}` }
    : {
        name: "Node.js",
        status: "fail",
        detail: `v${process.versions.node} is too old`,
        fix: "Install Node.js 20.19 or newer",
      };
}

function checkDataDir(dataDir: string): CheckResult {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
    return { name: "Data directory", status: "ok", detail: dataDir };
  } catch (error) {
    return {
      name: "Data directory",
      status: "fail",
      detail: `${dataDir}: ${(error as Error).message}`,
      fix: "Set NEXUS_DATA_DIR (or --data-dir) to a writable directory",
    };
  }
}

async function checkDatabase(config: Config): Promise<CheckResult> {
  const where = describeStore(config.database);
  try {
    const store = await openStore(
      config.database.kind === "postgres" ? { ...config.database, poolSize: 1 } : config.database,
    );
    await store.ping();
    await store.close();
    return {
      name: "Database",
      status: "ok",
      detail: `${config.database.kind} at ${where}, schema up to date`,
    };
  } catch (error) {
    return {
      name: "Database",
      status: "fail",
      detail: `${config.database.kind} at ${where}: ${(error as Error).message}`,
      fix:
        config.database.kind === "sqlite"
          ? "Check the data directory is writable and not on a network file system"
          : "Check NEXUS_DATABASE_URL and that PostgreSQL is running and accepts the connection",
    };
  }
}

/** Knowledge bases on PostgreSQL search vectors with pgvector (0.8 or later) where the database has it. */
async function checkPgvector(
  database: Extract<Config["database"], { kind: "postgres" }>,
): Promise<CheckResult> {
  const name = "pgvector";
  try {
    const store = await openStore({ ...database, poolSize: 1 });
    try {
      return { name, ...(await pgvectorReport(store.db)) };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { name, status: "warn", detail: `could not check: ${(error as Error).message}` };
  }
}

async function checkRedis(redisUrl: string | undefined): Promise<CheckResult> {
  if (!redisUrl)
    return { name: "Redis", status: "ok", detail: "not configured: in-process queue and events" };
  const events = await createEventBus({ redisUrl });
  try {
    await events.ping();
    return { name: "Redis", status: "ok", detail: redactUrl(redisUrl) };
  } catch (error) {
    return {
      name: "Redis",
      status: "fail",
      detail: `${redactUrl(redisUrl)}: ${(error as Error).message}`,
      fix: "Start Redis or unset NEXUS_REDIS_URL to use the in-process queue",
    };
  } finally {
    await events.close().catch(() => {});
  }
}

async function checkChromium(executable: string): Promise<CheckResult> {
  try {
    const { stdout } = await run(executable, ["--version"], { timeout: 10_000 });
    return { name: "Chromium", status: "ok", detail: stdout.trim() };
  } catch {
    return {
      name: "Chromium",
      status: "warn",
      detail: `not found at ${executable} (needed for browser automation only)`,
      fix: "apt-get install -y chromium, or set NEXUS_CHROMIUM_PATH",
    };
  }
}

const marks = { ok: "✓", info: "-", warn: "!", fail: "✗" } as const;

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("Check this machine for what Nexus needs and say how to fix what is missing")
    .option("--data-dir <dir>", "data directory (NEXUS_DATA_DIR, default .nexus)")
    .option("--json", "print JSON")
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      const results = await runDoctor(configFrom(options));
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else {
        let section: string | undefined;
        for (const result of results) {
          if (result.section !== section && result.section) console.log(result.section);
          section = result.section;
          const indent = section ? "  " : "";
          console.log(`${indent}${marks[result.status]} ${result.name}: ${result.detail}`);
          if (result.fix && result.status !== "ok") {
            console.log(`${indent}    fix: ${result.fix.replaceAll("\n", `\n${indent}         `)}`);
          }
        }
      }
      const failed = results.filter((result) => result.status === "fail").length;
      if (failed > 0) throw new CliError(`${failed} check(s) failed`);
    });
}
